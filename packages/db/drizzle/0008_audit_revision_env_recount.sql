-- The audit log records the automation's revision at each entry, so a stale upgrade can say what
-- changed since the revision its preview showed.
ALTER TABLE "audit_log" ADD COLUMN "revision" integer;--> statement-breakpoint
ALTER TABLE "content_env" ADD COLUMN "resolved" jsonb;--> statement-breakpoint
-- Environment references are counted anew (template literals, getEnvVariable wrappers): every
-- root's counts are recomputed from its content the first time they are needed.
DELETE FROM "content_env";
