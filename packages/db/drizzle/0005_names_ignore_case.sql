-- Names are unique ignoring case. Names that differ only in case are kept apart, not merged: every
-- one but the oldest gets a suffix, and each rename is written to the audit log.
WITH ranked AS (
  SELECT "id", "name", row_number() OVER (PARTITION BY lower("name") ORDER BY "created_at", "id") AS n
  FROM "automations"
), renamed AS (
  UPDATE "automations" a SET "name" = r."name" || ' (duplicate name ' || r.n || ')'
  FROM ranked r WHERE a."id" = r."id" AND r.n > 1
  RETURNING a."id", r."name" AS "from", a."name" AS "to"
)
INSERT INTO "audit_log" ("at", "actor", "action", "automation_id", "details")
SELECT now(), 'ferry (migration 0005)', 'automation.rename', "id",
  jsonb_build_object('from', "from", 'to', "to", 'reason', 'names are unique ignoring case')
FROM renamed;--> statement-breakpoint
WITH ranked AS (
  SELECT "id", "name", row_number() OVER (PARTITION BY lower("name") ORDER BY "created_at", "id") AS n
  FROM "environments"
), renamed AS (
  UPDATE "environments" e SET "name" = r."name" || ' (duplicate name ' || r.n || ')'
  FROM ranked r WHERE e."id" = r."id" AND r.n > 1
  RETURNING e."id", r."name" AS "from", e."name" AS "to"
)
INSERT INTO "audit_log" ("at", "actor", "action", "details")
SELECT now(), 'ferry (migration 0005)', 'environment.rename',
  jsonb_build_object('environment', "to", 'from', "from", 'to', "to", 'reason', 'names are unique ignoring case')
FROM renamed;--> statement-breakpoint
CREATE UNIQUE INDEX "automations_name_lower" ON "automations" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "environments_name_lower" ON "environments" USING btree (lower("name"));
