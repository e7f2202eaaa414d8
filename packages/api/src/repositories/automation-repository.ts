// Automations: find by id or unique name, lock for a change, write the changed state back, and the
// overview the automation list shows.
import { must, type Automation, type Upgrade, type Version } from '@ferry/core';
import { nodeInsertCtes, rawRows, schema, type Db, type EncodedNode } from '@ferry/db';
import { and, desc, eq, inArray, ne, or, sql } from 'drizzle-orm';
import { fail } from '../errors.js';
import type { AuditRowValues } from './audit-log-repository.js';
import { GC_LOCK_KEY } from './node-repository.js';
import { toUpgrade } from './release-repository.js';

export type AutomationRow = typeof schema.automations.$inferSelect;

export const toAutomation = (row: AutomationRow): Automation => ({
  id: row.id,
  name: row.name,
  revision: row.revision,
  root: row.root,
  environmentId: row.environmentId,
  agents: [],
  lastVersionNumber: row.lastVersionNumber,
});

/** What an automation id looks like (a UUID); anything else is looked up as a name first. */
const ID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const byRef = (ref: string) => or(eq(schema.automations.id, ref), eq(schema.automations.name, ref));

/** The automation named by id or unique name; NOT_FOUND otherwise. */
export async function findAutomation(
  db: Db,
  ref: string,
  field = 'automation',
): Promise<AutomationRow> {
  const rows = await db.select().from(schema.automations).where(byRef(ref)).limit(2);
  const row = rows.find((r) => r.id === ref) ?? rows[0];
  return row ?? fail('NOT_FOUND', `There is no automation "${ref}".`, field);
}

/** Same, locking the row until the transaction ends, so changes to one automation never interleave. */
export async function lockAutomation(
  tx: Db,
  ref: string,
  field = 'automation',
): Promise<AutomationRow> {
  // Clients mostly name the automation by its id: lock that row at once, in one query. An id
  // wins over a name (as in findAutomation), so a row found this way is the one meant.
  if (ID_SHAPE.test(ref)) {
    const [row] = await tx
      .select()
      .from(schema.automations)
      .where(eq(schema.automations.id, ref))
      .for('update');
    if (row) return row;
  }
  const found = await findAutomation(tx, ref, field);
  const [row] = await tx
    .select()
    .from(schema.automations)
    .where(eq(schema.automations.id, found.id))
    .for('update');
  return row ?? fail('NOT_FOUND', `There is no automation "${ref}".`, field);
}

/**
 * Lock two automations (each by id or name) in a stable order, by id, so that two concurrent
 * releases between the same pair never deadlock. The rows come back in the order asked for.
 */
export async function lockAutomationPair(
  tx: Db,
  a: { ref: string; field: string },
  b: { ref: string; field: string },
): Promise<[AutomationRow, AutomationRow]> {
  const wantedA = { id: (await findAutomation(tx, a.ref, a.field)).id, field: a.field };
  const wantedB = { id: (await findAutomation(tx, b.ref, b.field)).id, field: b.field };
  const locked = new Map<string, AutomationRow>();
  const byId = [wantedA, wantedB].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  for (const { id, field } of byId)
    if (!locked.has(id)) locked.set(id, await lockAutomation(tx, id, field));
  const first = locked.get(wantedA.id);
  const second = locked.get(wantedB.id);
  if (!first || !second) return fail('NOT_FOUND', `There is no automation "${a.ref}".`, a.field);
  return [first, second];
}

/** Write a changed automation state (root, revision, version counter) back. */
export async function storeAutomation(tx: Db, next: Automation): Promise<void> {
  await tx
    .update(schema.automations)
    .set({
      root: next.root,
      revision: next.revision,
      lastVersionNumber: next.lastVersionNumber,
      updatedAt: new Date(),
    })
    .where(eq(schema.automations.id, next.id));
}

/** Rule 10: a change based on a stale revision writes nothing. */
export function requireRevision(
  row: AutomationRow,
  baseRevision: number | undefined,
  field: 'baseRevision' | 'ifRevision' = 'baseRevision',
): void {
  if (baseRevision !== undefined && baseRevision !== row.revision)
    fail(
      'CONFLICT',
      `"${row.name}" was changed since revision ${baseRevision} (it is now at revision ${row.revision}); reload and try again.`,
      field,
      { expected: baseRevision, actual: row.revision },
    );
}

/** A change of the working copy, name, agents or environment link: the revision moves on by one. */
export async function advanceAutomation(
  tx: Db,
  row: AutomationRow,
  change: { root?: string; name?: string },
): Promise<AutomationRow> {
  const [next] = await tx
    .update(schema.automations)
    .set({ ...change, revision: row.revision + 1, updatedAt: new Date() })
    .where(eq(schema.automations.id, row.id))
    .returning();
  // The row is locked by the caller, so the update always finds it.
  return must(next, 'the updated automation row');
}

/** An edit of the working copy, ready to be stored in one statement (commitEdit). */
export interface EditCommit {
  /** The row as the edit read it: the edit applies only if it is still at this revision and root. */
  row: Pick<AutomationRow, 'id' | 'revision' | 'root'>;
  /** The new root, its environment-variable counts and its new nodes. */
  root: string;
  counts: Record<string, number>;
  nodes: readonly EncodedNode[];
  audit: AuditRowValues;
}

/**
 * Store an edit in one statement, which is its own transaction: move the automation to the new
 * root and the next revision if it is still at the revision and root the edit was based on, and
 * only then store the new nodes (under the gc lock, shared, taken before any of them), the root's
 * counts and the audit entry (with the new revision). Null when the row has moved on or is gone:
 * nothing was written. One round trip, and one prepared statement whatever the number of nodes.
 */
export async function commitEdit(
  db: Db,
  edit: EditCommit,
): Promise<{ row: AutomationRow; written: [string, number][] } | null> {
  const a = edit.audit;
  const [r] = await rawRows(
    db,
    sql`with recursive
    p(id, revision, old, root, at) as (
      select ${edit.row.id}::text, ${edit.row.revision}::int, ${edit.row.root}::text, ${edit.root}::text,
             ${a.at.toISOString()}::timestamptz
    ),
    gc(held) as (select pg_advisory_xact_lock_shared(${sql.raw(String(GC_LOCK_KEY))}) is not null),
    moved as (
      update automations a set root = p.root, revision = a.revision + 1, updated_at = p.at
      from p where a.id = p.id and a.revision = p.revision and a.root = p.old
      returning a.*
    ),
    ${nodeInsertCtes(edit.nodes, sql`(select held from gc) and exists (select 1 from moved)`)},
    counted as (
      insert into content_env (root, names)
      select decode(p.root, 'hex'), ${JSON.stringify(edit.counts)}::jsonb from p
      where exists (select 1 from moved)
      on conflict (root) do nothing
    ),
    audited as (
      insert into audit_log (at, actor, action, automation_id, "before", "after", details, request_id, revision)
      select p.at, ${a.actor}::text, ${a.action}::text, m.id, decode(p.old, 'hex'), decode(p.root, 'hex'),
             ${a.details === null || a.details === undefined ? null : JSON.stringify(a.details)}::jsonb,
             ${a.requestId ?? null}::text, m.revision
      from moved m, p
    )
    select m.id, m.name, m.revision, m.root, m.environment_id, m.last_version_number,
           m.created_at, m.updated_at,
           (select coalesce(json_agg(json_build_array(w.hash, w.depth)), '[]')::text
            from written_nodes w) as written
    from moved m`,
  );
  if (r === undefined) return null;
  return { row: automationRowOf(r), written: JSON.parse(String(r.written)) as [string, number][] };
}

/** An automations row as a raw statement returns it (snake_case columns). */
function automationRowOf(r: Record<string, unknown>): AutomationRow {
  const date = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
  return {
    id: String(r.id),
    name: String(r.name),
    revision: Number(r.revision),
    root: String(r.root),
    environmentId: r.environment_id === null ? null : String(r.environment_id),
    lastVersionNumber: Number(r.last_version_number),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

/** A save of the working copy as the next version, ready to be stored in one statement (commitSave). */
export interface SaveCommit {
  /** The row as the save read it: the save applies only if it is still at this revision, root and version count. */
  row: Pick<AutomationRow, 'id' | 'revision' | 'root' | 'lastVersionNumber'>;
  version: Version;
  audit: AuditRowValues;
  /** The event the save raises: when a webhook listens for it, the statement writes nothing. */
  event: string;
}

/**
 * Store a plain save in one statement, which is its own transaction: the version, the
 * automation's version count and the audit entry, if the row is still at the revision, root and
 * version count the save was computed from, and the save needs nothing more: no webhook listens
 * for its event and the policy prunes no automatic versions (keepAutomaticVersions unset). Null
 * otherwise, with nothing written: the locked path (save-version.ts) then does it all.
 */
export async function commitSave(db: Db, save: SaveCommit): Promise<AutomationRow | null> {
  const { row, version: v, audit: a } = save;
  // The version and the audit entry go as one jsonb value each: few parameters, so the statement
  // is prepared (PREPARE_MAX_PARAMETERS).
  const version = JSON.stringify({ ...v, created_at: v.createdAt });
  const audit = JSON.stringify({
    at: a.at.toISOString(),
    actor: a.actor,
    action: a.action,
    version_id: a.versionId ?? null,
    before: a.before ?? null,
    after: a.after ?? null,
    details: a.details ?? null,
    request_id: a.requestId ?? null,
  });
  const [r] = await rawRows(
    db,
    sql`with
    v as (
      select * from jsonb_to_record(${version}::jsonb) as v(id text, number int, name text,
        description text, author text, created_at timestamptz, automatic boolean, kind text, pinned boolean)
    ),
    moved as (
      update automations a set last_version_number = v.number, updated_at = v.created_at
      from v
      where a.id = ${row.id}::text and a.revision = ${row.revision}::int and a.root = ${row.root}::text
        and a.last_version_number = ${row.lastVersionNumber}::int and v.number = a.last_version_number + 1
        and not exists (select 1 from webhooks w where w.events @> jsonb_build_array(${save.event}::text))
        and not exists (select 1 from instance_settings s
                        where s.key = 'policy' and jsonb_typeof(s.value -> 'keepAutomaticVersions') = 'number')
      returning a.*
    ),
    saved as (
      insert into versions (id, automation_id, number, name, description, author, created_at, root, automatic, kind, pinned)
      select v.id, m.id, v.number, v.name, v.description, v.author, v.created_at, decode(m.root, 'hex'),
             v.automatic, v.kind, v.pinned
      from moved m, v
    ),
    audited as (
      insert into audit_log (at, actor, action, automation_id, version_id, "before", "after", details, request_id, revision)
      select e.at, e.actor, e.action, m.id, e.version_id, decode(e.before, 'hex'), decode(e.after, 'hex'),
             e.details, e.request_id, m.revision
      from moved m, jsonb_to_record(${audit}::jsonb) as e(at timestamptz, actor text, action text,
        version_id text, before text, after text, details jsonb, request_id text)
    )
    select m.id, m.name, m.revision, m.root, m.environment_id, m.last_version_number,
           m.created_at, m.updated_at
    from moved m`,
  );
  return r === undefined ? null : automationRowOf(r);
}

/** Every automation name in use. */
/** The names in use, lower-cased: names are unique ignoring case. */
export async function automationNamesInUse(db: Db): Promise<Set<string>> {
  const rows = await db.select({ name: schema.automations.name }).from(schema.automations);
  return new Set(rows.map((r) => r.name.toLowerCase()));
}

const sameName = (name: string) => sql`lower(${schema.automations.name}) = lower(${name})`;

/** Whether another automation (not `except`) has this name, ignoring case. */
export async function automationNameTaken(db: Db, name: string, except?: string): Promise<boolean> {
  const [clash] = await db
    .select({ id: schema.automations.id })
    .from(schema.automations)
    .where(except ? and(sameName(name), ne(schema.automations.id, except)) : sameName(name));
  return clash !== undefined;
}

export async function insertAutomation(
  tx: Db,
  automation: { id: string; name: string; root: string },
): Promise<AutomationRow> {
  const [row] = await tx.insert(schema.automations).values(automation).returning();
  if (!row) throw new Error('inserting an automation returned no row');
  return row;
}

/** Delete the automation row (its versions and agents go with it; its releases stay, rule 15). */
export async function deleteAutomation(tx: Db, id: string): Promise<void> {
  await tx.delete(schema.automations).where(eq(schema.automations.id, id));
}

/** One line of the automation list: the row and what it links to, runs, awaits and saved last. */
export interface AutomationListing {
  row: AutomationRow;
  environment: string | null;
  lastVersion: { id: string; number: number; name: string } | null;
  pendingRelease: { id: string; version: string } | null;
  /** Its upgrade ledger, oldest first. */
  ledger: Upgrade[];
}

/** Every automation by name, with the facts the list shows, in five queries whatever the count. */
export async function listAutomations(db: Db): Promise<AutomationListing[]> {
  const rows = await db.select().from(schema.automations).orderBy(schema.automations.name);
  const envs = new Map((await db.select().from(schema.environments)).map((e) => [e.id, e.name]));
  const ids = rows.map((r) => r.id);
  const pending = ids.length
    ? await db
        .select()
        .from(schema.releases)
        .where(and(inArray(schema.releases.targetId, ids), eq(schema.releases.status, 'pending')))
    : [];
  const upgrades = ids.length
    ? await db
        .select()
        .from(schema.upgrades)
        .where(inArray(schema.upgrades.targetId, ids))
        .orderBy(schema.upgrades.seq)
    : [];
  const lastVersions = ids.length
    ? await db
        .select()
        .from(schema.versions)
        .where(inArray(schema.versions.automationId, ids))
        .orderBy(desc(schema.versions.number))
    : [];
  return rows.map((row) => {
    const last = lastVersions.find((v) => v.automationId === row.id);
    const waiting = pending.find((p) => p.targetId === row.id);
    return {
      row,
      environment: row.environmentId ? (envs.get(row.environmentId) ?? null) : null,
      lastVersion: last ? { id: last.id, number: last.number, name: last.name } : null,
      pendingRelease: waiting ? { id: waiting.id, version: waiting.version } : null,
      ledger: upgrades.filter((u) => u.targetId === row.id).map(toUpgrade),
    };
  });
}

/** Link an automation to an environment, or unlink it (null): its revision moves on by one. */
export async function setAutomationEnvironment(
  tx: Db,
  row: AutomationRow,
  environmentId: string | null,
): Promise<AutomationRow> {
  const [next] = await tx
    .update(schema.automations)
    .set({ environmentId, revision: row.revision + 1, updatedAt: new Date() })
    .where(eq(schema.automations.id, row.id))
    .returning();
  // The row is locked by the caller, so the update always finds it.
  return must(next, 'the updated automation row');
}
