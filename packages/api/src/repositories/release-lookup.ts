// Look-ups the release procedures share: a release by reference, the names of the automations a
// list of releases mentions, and the variable names a target's environment defines.
import type { Release, Version } from '@ferry/core';
import { schema, type Db } from '@ferry/db';
import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import { fail } from '../errors.js';
import { toRelease } from './release-repository.js';
import { toVersion } from './version-repository.js';

/** `1.2.0` and `v1.2.0` name the same release number. */
const normaliseVersion = (v: string) => v.trim().replace(/^[vV](?=\d)/, '');

/**
 * A release by id, or (with `targetId`) by its version number among the releases offered to that
 * target (the newest with that number); NOT_FOUND otherwise.
 */
export async function findRelease(
  db: Db,
  ref: string,
  opts: { targetId?: string; field?: string } = {},
): Promise<Release> {
  const field = opts.field ?? 'release';
  const [byId] = await db.select().from(schema.releases).where(eq(schema.releases.id, ref.trim()));
  if (byId) return toRelease(byId);
  if (opts.targetId !== undefined) {
    const [byVersion] = await db
      .select()
      .from(schema.releases)
      .where(
        and(
          eq(schema.releases.targetId, opts.targetId),
          eq(schema.releases.version, normaliseVersion(ref)),
        ),
      )
      .orderBy(desc(schema.releases.createdAt), desc(schema.releases.id))
      .limit(1);
    if (byVersion) return toRelease(byVersion);
  }
  return fail('NOT_FOUND', `There is no release "${ref}".`, field);
}

/** A release by id, or null (for the rows the ledger points at). */
export async function releaseById(db: Db, id: string): Promise<Release | null> {
  const [row] = await db.select().from(schema.releases).where(eq(schema.releases.id, id));
  return row ? toRelease(row) : null;
}

/** A version by id, or null. */
export async function versionById(db: Db, id: string): Promise<Version | null> {
  const [row] = await db.select().from(schema.versions).where(eq(schema.versions.id, id));
  return row ? toVersion(row) : null;
}

/** Versions by id (the ones a ledger points at), in one query. */
export async function versionsById(db: Db, ids: readonly string[]): Promise<Map<string, Version>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(schema.versions)
    .where(inArray(schema.versions.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, toVersion(r)]));
}

/** Who sent or received a release: an automation's name, and whether it has been deleted. */
export interface Party {
  name: string;
  /** Deleted since; `name` is then the one it had, kept on its releases (rule 15). */
  deleted: boolean;
}

/**
 * Names of automations by id, in one query; an id no automation has any more is named after the
 * name its releases kept when it was deleted.
 */
export async function automationNames(db: Db, ids: readonly string[]): Promise<Map<string, Party>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const rows = await db
    .select({ id: schema.automations.id, name: schema.automations.name })
    .from(schema.automations)
    .where(inArray(schema.automations.id, wanted));
  const parties = new Map(rows.map((r) => [r.id, { name: r.name, deleted: false }]));
  const gone = wanted.filter((id) => !parties.has(id));
  if (gone.length === 0) return parties;
  const { releases } = schema;
  const kept = [
    ...(await db
      .selectDistinct({ id: releases.sourceId, name: releases.sourceName })
      .from(releases)
      .where(and(inArray(releases.sourceId, gone), isNotNull(releases.sourceName)))),
    ...(await db
      .selectDistinct({ id: releases.targetId, name: releases.targetName })
      .from(releases)
      .where(and(inArray(releases.targetId, gone), isNotNull(releases.targetName)))),
  ];
  for (const { id, name } of kept) parties.set(id, { name: name!, deleted: true });
  return parties;
}

/**
 * The variable names the environment defines (what release checks compare against), or null when
 * no environment is linked. Only keys are read: secret values never leave their table here.
 */
export async function environmentVariableNames(
  db: Db,
  environmentId: string | null,
): Promise<string[] | null> {
  if (environmentId === null) return null;
  const rows = await db
    .select({ key: schema.envVariables.key })
    .from(schema.envVariables)
    .where(eq(schema.envVariables.environmentId, environmentId));
  return rows.map((r) => r.key);
}

/** The environment linked to an automation, as `{ id, name }`, or null. */
export async function environmentOf(
  db: Db,
  environmentId: string | null,
): Promise<{ id: string; name: string } | null> {
  if (environmentId === null) return null;
  const [row] = await db
    .select({ id: schema.environments.id, name: schema.environments.name })
    .from(schema.environments)
    .where(eq(schema.environments.id, environmentId));
  return row ?? null;
}
