// Releases: create, promote, list, preview, upgrade, reject, roll back, history and pipelines
// (DESIGN.md rules 3-9). Every write of one operation happens in one transaction with its audit.
import {
  activeUpgrade,
  createRelease,
  promoteRelease,
  rejectRelease,
  releaseChecks,
  resolveVersionRef,
  rollback,
  semverFloor,
  upgradeToRelease,
  type CheckReport,
  type Created,
  type Release,
  type Upgrade,
  type Version,
} from '@ferry/core';
import { schema, type Db } from '@ferry/db';
import { and, asc, desc, eq, inArray, or, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { opContext, writeAudit } from '../audit.js';
import type { Context } from '../context.js';
import { ContentStore } from '../content.js';
import { fail, unwrap } from '../errors.js';
import {
  findAutomation,
  lockAutomation,
  storeAutomation,
  toAutomation,
  type AutomationRow,
} from '../repositories/automation-repository.js';
import { getPolicy } from '../repositories/policy-repository.js';
import {
  automationNames,
  environmentOf,
  environmentVariableNames,
  findRelease,
  releaseById,
  type Party,
  versionById,
  versionsById,
} from '../repositories/release-lookup.js';
import {
  ledgerOf,
  pendingReleaseOf,
  releaseSummary,
  storeRelease,
  toRelease,
  toUpgrade,
} from '../repositories/release-repository.js';
import {
  insertVersions,
  listVersions,
  toVersion,
  versionHolds,
} from '../repositories/version-repository.js';
import { can } from '../roles.js';
import { procedure, router } from '../trpc.js';
import { automationRef, baseRevision, description, refInput, textInput } from './inputs.js';

/** A release by id (or, where a target is named too, by its version number). */
const releaseRef = refInput('names a release (id or version number)');
const semverInput = textInput()
  .trim()
  .min(1, 'must be a semantic version number such as 1.2.0')
  .max(256, 'must be at most 256 characters');
/** The target revision the acceptor's preview showed (DESIGN.md rule 7). */
const ifRevision = z.number().int().positive().optional();

const ref = (row: AutomationRow) => ({ id: row.id, name: row.name, revision: row.revision });
const versionRef = (v: Version) => ({ id: v.id, number: v.number, name: v.name });

/** A release as every answer shows it: the summary plus the names of source and target. */
const releaseView = (r: Release, names: ReadonlyMap<string, Party>) => ({
  ...releaseSummary(r),
  sourceName: names.get(r.sourceId)?.name ?? null,
  /** The source has been deleted since; `sourceName` is the name it had. */
  sourceDeleted: names.get(r.sourceId)?.deleted ?? false,
  targetName: names.get(r.targetId)?.name ?? null,
  targetDeleted: names.get(r.targetId)?.deleted ?? false,
});
export type ReleaseView = ReturnType<typeof releaseView>;

const namesOf = (...rows: AutomationRow[]) =>
  new Map(rows.map((r) => [r.id, { name: r.name, deleted: false }]));

async function viewsOf(db: Db, releases: Release[]): Promise<ReleaseView[]> {
  const names = await automationNames(
    db,
    releases.flatMap((r) => [r.sourceId, r.targetId]),
  );
  return releases.map((r) => releaseView(r, names));
}

/** Lock two automations in a stable order (by id), so two concurrent releases never deadlock. */
async function lockPair(
  tx: Db,
  a: { ref: string; field: string },
  b: { ref: string; field: string },
): Promise<[AutomationRow, AutomationRow]> {
  const wanted = [
    { id: (await findAutomation(tx, a.ref, a.field)).id, field: a.field },
    { id: (await findAutomation(tx, b.ref, b.field)).id, field: b.field },
  ];
  const locked = new Map<string, AutomationRow>();
  for (const { id, field } of sortBy([...wanted], (w) => w.id))
    if (!locked.has(id)) locked.set(id, await lockAutomation(tx, id, field));
  return [locked.get(wanted[0]!.id)!, locked.get(wanted[1]!.id)!];
}

/** The release an acceptor names, or the target's pending one. */
async function chosenRelease(
  db: Db,
  target: AutomationRow,
  releaseInput: string | undefined,
): Promise<Release> {
  if (releaseInput !== undefined) return findRelease(db, releaseInput, { targetId: target.id });
  return (
    (await pendingReleaseOf(db, target.id)) ??
    fail('NOT_FOUND', `"${target.name}" has no pending release.`, 'release')
  );
}

/** Store what createRelease/promoteRelease decided: the superseded release first, then the new one. */
async function storeCreated(
  tx: Db,
  ctx: Context,
  created: Created,
  source: AutomationRow,
  target: AutomationRow,
) {
  // The superseded release leaves `pending` first: one pending release per target (rule 4).
  if (created.superseded) await storeRelease(tx, created.superseded);
  await storeRelease(tx, created.release);
  await writeAudit(tx, ctx, created.audit);
  return {
    ...releaseView(created.release, namesOf(source, target)),
    superseded: created.superseded
      ? { id: created.superseded.id, version: created.superseded.version }
      : null,
  };
}

/** Sort in place by a string key (code-point order, the same on every machine). */
function sortBy<T>(xs: T[], key: (x: T) => string): T[] {
  return xs.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export const releasesRouter = router({
  /** Rules 3 and 4: a frozen release of the source's content (or one of its versions) to a target. */
  create: procedure('create-release')
    .input(
      z.object({
        source: automationRef,
        target: automationRef,
        version: semverInput,
        description: description.optional(),
        /** A version of the source (N, #N, id or name) to release instead of its working copy. */
        fromVersion: refInput('names a version (N, #N, id or name)').optional(),
        /** Allow a number that is not above the target's last upgrade. */
        force: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const [source, target] = await lockPair(
          tx,
          { ref: input.source, field: 'source' },
          { ref: input.target, field: 'target' },
        );
        let fromVersion: Version | undefined;
        if (input.fromVersion !== undefined) {
          const found = resolveVersionRef(
            (await listVersions(tx, source.id)).map(toVersion),
            input.fromVersion,
          );
          if (!found.ok)
            fail(
              'NOT_FOUND',
              `"${source.name}" has no version "${input.fromVersion}".`,
              'fromVersion',
            );
          fromVersion = unwrap(found);
        }
        const created = unwrap(
          createRelease(
            {
              source: toAutomation(source),
              target: toAutomation(target),
              version: input.version,
              ...(input.description !== undefined && { description: input.description }),
              ...(fromVersion && { fromVersion }),
              pending: await pendingReleaseOf(tx, target.id),
              ledger: await ledgerOf(tx, target.id),
              force: input.force ?? false,
            },
            opContext(ctx, uuidv7),
          ),
        );
        return storeCreated(tx, ctx, created, source, target);
      }),
    ),

  /** Rule 9: offer the release `from` last accepted onward to `to`, with the same content hash. */
  promote: procedure('create-release')
    .input(
      z.object({
        from: automationRef,
        to: automationRef,
        version: semverInput,
        description: description.optional(),
        force: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const [from, to] = await lockPair(
          tx,
          { ref: input.from, field: 'from' },
          { ref: input.to, field: 'to' },
        );
        const fromLedger = await ledgerOf(tx, from.id);
        const active = activeUpgrade(fromLedger);
        const created = unwrap(
          promoteRelease(
            {
              from: toAutomation(from),
              target: toAutomation(to),
              version: input.version,
              ...(input.description !== undefined && { description: input.description }),
              pending: await pendingReleaseOf(tx, to.id),
              ledger: await ledgerOf(tx, to.id),
              force: input.force ?? false,
              fromLedger,
              accepted: active ? await releaseById(tx, active.releaseId) : null,
            },
            opContext(ctx, uuidv7),
          ),
        );
        return storeCreated(tx, ctx, created, from, to);
      }),
    ),

  /** Releases, newest first; optionally of one automation (as source, target or either) or pending only. */
  list: procedure('read')
    .input(
      z
        .object({
          automation: automationRef.optional(),
          pending: z.boolean().optional(),
          role: z.enum(['source', 'target', 'any']).optional(),
        })
        .optional(),
    )
    .query(async ({ ctx, input }) => {
      const conditions: (SQL | undefined)[] = [];
      if (input?.automation !== undefined) {
        const row = await findAutomation(ctx.db, input.automation);
        const role = input.role ?? 'any';
        conditions.push(
          role === 'source'
            ? eq(schema.releases.sourceId, row.id)
            : role === 'target'
              ? eq(schema.releases.targetId, row.id)
              : or(eq(schema.releases.sourceId, row.id), eq(schema.releases.targetId, row.id)),
        );
      }
      if (input?.pending === true) conditions.push(eq(schema.releases.status, 'pending'));
      if (input?.pending === false)
        conditions.push(
          inArray(schema.releases.status, ['superseded', 'rejected', 'upgraded', 'rolled-back']),
        );
      const rows = await ctx.db
        .select()
        .from(schema.releases)
        .where(and(...conditions))
        .orderBy(desc(schema.releases.createdAt), desc(schema.releases.id));
      return viewsOf(ctx.db, rows.map(toRelease));
    }),

  /**
   * The preview an acceptor reviews: what the upgrade would change in the target's working copy,
   * the release checks against the target's environment, and the target revision to pass back as
   * `ifRevision`. A release by id, or `{ target, version? }` (no version: the pending one).
   */
  show: procedure('read')
    .input(
      z.object({
        release: releaseRef.optional(),
        target: automationRef.optional(),
        version: refInput('names a release version').optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      let release: Release;
      let target: AutomationRow;
      if (input.target !== undefined) {
        target = await findAutomation(ctx.db, input.target, 'target');
        release = await chosenRelease(ctx.db, target, input.release ?? input.version);
        if (release.targetId !== target.id)
          fail(
            'NOT_FOUND',
            `Release ${release.version} is not addressed to "${target.name}".`,
            'release',
          );
      } else if (input.release !== undefined) {
        release = await findRelease(ctx.db, input.release);
        const addressee = (await automationNames(ctx.db, [release.targetId])).get(release.targetId);
        if (addressee?.deleted)
          fail(
            'NOT_FOUND',
            `Release ${release.version} was addressed to "${addressee.name}", which has been deleted.`,
            'release',
          );
        target = await findAutomation(ctx.db, release.targetId, 'target');
      } else {
        return fail(
          'VALIDATION',
          'Name a release (its id), or a target with a version number.',
          'release',
        );
      }
      const store = new ContentStore(ctx.db);
      const diff = await store.diff(target.root, release.root);
      const checks = releaseChecks(
        await store.read(release.root),
        await environmentVariableNames(ctx.db, target.environmentId),
      );
      const policy = await getPolicy(ctx.db);
      const blockers: string[] = [];
      if (release.status !== 'pending')
        blockers.push(`Release ${release.version} is ${release.status}, not pending.`);
      if (!checks.ok)
        blockers.push(
          target.environmentId === null
            ? `The target has no environment linked, and the content uses ${checks.missingEnv.join(', ')}.`
            : `The target's environment does not define ${checks.missingEnv.join(', ')}.`,
        );
      if (!can(ctx.caller.role, 'accept-release'))
        blockers.push(`The ${ctx.caller.role} role may not accept releases.`);
      else if (policy.acceptorMustDifferFromCreator && release.createdBy === ctx.caller.name)
        blockers.push(
          `Release ${release.version} was created by you; another user must accept it.`,
        );
      return {
        release: releaseView(
          release,
          await automationNames(ctx.db, [release.sourceId, release.targetId]),
        ),
        target: {
          ...ref(target),
          environment: await environmentOf(ctx.db, target.environmentId),
        },
        preview: { summary: diff.summary, changes: diff.changes },
        checks,
        canUpgrade: blockers.length === 0,
        blockers,
      };
    }),

  /** Rule 5: the target accepts a release (its pending one unless named). */
  upgrade: procedure('accept-release')
    .input(
      z.object({
        target: automationRef,
        release: releaseRef.optional(),
        ifRevision,
        /** Upgrade although the target's environment misses variables the content uses. */
        force: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.target, 'target');
        const release = await chosenRelease(tx, row, input.release);
        // The blocking check needs only the names the release references, which are kept per
        // root: an upgrade does not read the bot. The full report (with locations and the
        // warnings) is built only to explain a refusal; the preview shows the warnings.
        const store = new ContentStore(tx);
        const defined = await environmentVariableNames(tx, row.environmentId);
        const definedSet = new Set(defined ?? []);
        const referenced = Object.keys(await store.envCounts(release.root));
        const checks: CheckReport = referenced.every((name) => definedSet.has(name))
          ? { ok: true, errors: [], warnings: [], missingEnv: [] }
          : releaseChecks(await store.read(release.root), defined);
        const done = unwrap(
          upgradeToRelease(
            {
              target: toAutomation(row),
              release,
              ledger: await ledgerOf(tx, row.id),
              checks,
              ...(input.ifRevision !== undefined && { ifRevision: input.ifRevision }),
              force: input.force ?? false,
              policy: await getPolicy(tx),
            },
            opContext(ctx, uuidv7),
          ),
        );
        await insertVersions(tx, done.backup, done.result);
        await storeAutomation(tx, done.automation);
        await storeRelease(tx, done.release);
        await tx.insert(schema.upgrades).values({ ...done.upgrade, at: new Date(done.upgrade.at) });
        await writeAudit(tx, ctx, done.audit);
        return {
          automation: {
            id: row.id,
            name: row.name,
            revision: done.automation.revision,
          },
          release: releaseView(done.release, await automationNames(tx, [release.sourceId, row.id])),
          backupVersion: versionRef(done.backup),
          resultVersion: versionRef(done.result),
          /** Counted only when the checks were run in full (a forced upgrade); else see `show`. */
          warnings: checks.ok ? null : checks.warnings.length,
          forced: Boolean(input.force) && !checks.ok,
        };
      }),
    ),

  /** Rule 6: the target turns a pending release (its pending one unless named) down. */
  reject: procedure('accept-release')
    .input(
      z.object({
        target: automationRef,
        release: releaseRef.optional(),
        reason: description.optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.target, 'target');
        const release = await chosenRelease(tx, row, input.release);
        const done = unwrap(
          rejectRelease(
            toAutomation(row),
            release,
            { ...(input.reason !== undefined && { reason: input.reason }) },
            opContext(ctx, uuidv7),
          ),
        );
        await storeRelease(tx, done.release);
        await writeAudit(tx, ctx, done.audit);
        return releaseView(done.release, await automationNames(tx, [release.sourceId, row.id]));
      }),
    ),

  /** Rule 6: return to the backup taken before the last upgrade that was not rolled back. */
  rollback: procedure('accept-release')
    .input(z.object({ target: automationRef, baseRevision }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.target, 'target');
        const ledger = await ledgerOf(tx, row.id);
        const active = activeUpgrade(ledger);
        const backup = active ? await versionById(tx, active.backupVersionId) : null;
        const done = unwrap(
          rollback(
            {
              target: toAutomation(row),
              ledger,
              backup,
              release: active ? await releaseById(tx, active.releaseId) : null,
              ...(input.baseRevision !== undefined && { baseRevision: input.baseRevision }),
              workingCopySaved: await versionHolds(tx, row.id, row.root),
            },
            opContext(ctx, uuidv7),
          ),
        );
        if (done.savedEdits) await insertVersions(tx, done.savedEdits);
        await storeAutomation(tx, done.automation);
        await tx
          .update(schema.upgrades)
          .set({ rolledBack: true })
          .where(eq(schema.upgrades.id, done.upgrade.id));
        await storeRelease(tx, done.release);
        await writeAudit(tx, ctx, done.audit);
        const nowRuns = activeUpgrade(
          ledger.map((u) => (u.id === done.upgrade.id ? { ...u, rolledBack: true } : u)),
        );
        return {
          automation: { id: row.id, name: row.name, revision: done.automation.revision },
          release: releaseView(
            done.release,
            await automationNames(tx, [done.release.sourceId, row.id]),
          ),
          restoredVersion: versionRef(backup!),
          savedEditsVersion: done.savedEdits ? versionRef(done.savedEdits) : null,
          runsRelease: nowRuns ? { id: nowRuns.releaseId, version: nowRuns.releaseVersion } : null,
        };
      }),
    ),

  /** An automation's release history: its upgrade ledger and the releases it sent or received. */
  history: procedure('read')
    .input(z.object({ automation: automationRef }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const ledger = await ledgerOf(ctx.db, row.id);
      const releaseRows = await ctx.db
        .select()
        .from(schema.releases)
        .where(or(eq(schema.releases.sourceId, row.id), eq(schema.releases.targetId, row.id)))
        .orderBy(desc(schema.releases.createdAt), desc(schema.releases.id));
      const releases = await viewsOf(ctx.db, releaseRows.map(toRelease));
      const byId = new Map(releases.map((r) => [r.id, r]));
      const versions = await versionsById(
        ctx.db,
        ledger.flatMap((u) => [u.backupVersionId, u.resultVersionId]),
      );
      const active = activeUpgrade(ledger);
      const pending = releases.find((r) => r.targetId === row.id && r.status === 'pending');
      const versionOf = (id: string) => {
        const v = versions.get(id);
        return v ? versionRef(v) : null;
      };
      return {
        automation: ref(row),
        runsRelease: active ? { id: active.releaseId, version: active.releaseVersion } : null,
        pendingRelease: pending ?? null,
        /** Releases to this automation must be numbered above this (unless forced). */
        semverFloor: semverFloor(ledger),
        /** The upgrade ledger, newest first. */
        upgrades: [...ledger].reverse().map((u: Upgrade) => {
          const r = byId.get(u.releaseId);
          return {
            id: u.id,
            release: {
              id: u.releaseId,
              version: u.releaseVersion,
              description: r?.description ?? '',
              sourceId: r?.sourceId ?? null,
              sourceName: r?.sourceName ?? null,
              sourceDeleted: r?.sourceDeleted ?? false,
              createdBy: r?.createdBy ?? null,
            },
            contentHash: u.root,
            by: u.by,
            at: u.at,
            rolledBack: u.rolledBack,
            active: active?.id === u.id,
            backupVersion: versionOf(u.backupVersionId),
            resultVersion: versionOf(u.resultVersionId),
          };
        }),
        /** Releases this automation sent (role "source") or received (role "target"), newest first. */
        releases: releases.map((r) => ({
          ...r,
          role: r.targetId === row.id ? ('target' as const) : ('source' as const),
        })),
      };
    }),

  /**
   * Every pipeline: automations connected by releases (an edge per source → target pair), in
   * order (Dev → Staging → Prod), each with the release it runs and its pending one.
   */
  pipelines: procedure('read').query(async ({ ctx }) => {
    const rows = await ctx.db
      .select()
      .from(schema.releases)
      .orderBy(asc(schema.releases.createdAt), asc(schema.releases.id));
    if (rows.length === 0) return [];
    const ids = [...new Set(rows.flatMap((r) => [r.sourceId, r.targetId]))];
    const automations = new Map(
      (
        await ctx.db.select().from(schema.automations).where(inArray(schema.automations.id, ids))
      ).map((a) => [a.id, a]),
    );
    const envNames = new Map(
      (await ctx.db.select().from(schema.environments)).map((e) => [e.id, e.name]),
    );
    const upgrades = (
      await ctx.db
        .select()
        .from(schema.upgrades)
        .where(inArray(schema.upgrades.targetId, ids))
        .orderBy(asc(schema.upgrades.seq))
    ).map(toUpgrade);

    // One edge per source → target pair, with its latest release.
    const edges = new Map<
      string,
      { sourceId: string; targetId: string; releases: number; last: (typeof rows)[number] }
    >();
    for (const r of rows) {
      const key = `${r.sourceId}\u0000${r.targetId}`;
      const edge = edges.get(key);
      if (edge) {
        edge.releases++;
        edge.last = r;
      } else edges.set(key, { sourceId: r.sourceId, targetId: r.targetId, releases: 1, last: r });
    }
    // Connected components (edge direction ignored) are the pipelines.
    const parent = new Map(ids.map((id) => [id, id]));
    const findRoot = (id: string): string => {
      let x = id;
      while (parent.get(x) !== x) x = parent.get(x)!;
      parent.set(id, x);
      return x;
    };
    for (const e of edges.values()) parent.set(findRoot(e.sourceId), findRoot(e.targetId));
    const components = new Map<string, string[]>();
    for (const id of ids) {
      const root = findRoot(id);
      components.set(root, [...(components.get(root) ?? []), id]);
    }
    // A deleted automation stays a stage, named as its releases kept it (rule 15).
    const keptNames = new Map<string, string>();
    for (const r of rows) {
      if (r.sourceName !== null) keptNames.set(r.sourceId, r.sourceName);
      if (r.targetName !== null) keptNames.set(r.targetId, r.targetName);
    }
    const nameOf = (id: string) => automations.get(id)?.name ?? keptNames.get(id) ?? id;
    const deleted = (id: string) => !automations.has(id);

    const pipelines = [...components.values()].map((members) => {
      const inside = new Set(members);
      const own = [...edges.values()].filter((e) => inside.has(e.sourceId));
      const depth = stageDepths(
        members,
        own.filter((e) => e.sourceId !== e.targetId),
        nameOf,
      );
      const ordered = sortBy(
        [...members],
        (id) => `${String(depth.get(id)).padStart(6, '0')}\u0000${nameOf(id)}`,
      );
      const stages = ordered.map((id) => {
        const a = automations.get(id);
        const running = activeUpgrade(upgrades.filter((u) => u.targetId === id));
        const pending = rows.find((r) => r.targetId === id && r.status === 'pending');
        return {
          id,
          name: nameOf(id),
          deleted: deleted(id),
          revision: a?.revision ?? null,
          environment: a?.environmentId ? (envNames.get(a.environmentId) ?? null) : null,
          depth: depth.get(id)!,
          runsRelease: running ? { id: running.releaseId, version: running.releaseVersion } : null,
          pendingRelease: pending
            ? { id: pending.id, version: pending.version, sourceId: pending.sourceId }
            : null,
        };
      });
      return {
        label: stages.map((s) => (s.deleted ? `${s.name} (deleted)` : s.name)).join(' → '),
        automations: stages,
        edges: own.map((e) => ({
          sourceId: e.sourceId,
          sourceName: nameOf(e.sourceId),
          sourceDeleted: deleted(e.sourceId),
          targetId: e.targetId,
          targetName: nameOf(e.targetId),
          targetDeleted: deleted(e.targetId),
          releases: e.releases,
          lastRelease: {
            id: e.last.id,
            version: e.last.version,
            status: e.last.status,
            createdAt: e.last.createdAt.toISOString(),
          },
        })),
      };
    });
    return sortBy(pipelines, (p) => p.label);
  }),
});

/**
 * The stage of each automation in a pipeline: the longest chain of releases leading to it (0 for
 * automations nothing releases to). Cycles (a hotfix released back) are broken at the automation
 * with the fewest open incoming edges, so every automation gets a stage.
 */
function stageDepths(
  members: string[],
  edges: { sourceId: string; targetId: string }[],
  nameOf: (id: string) => string,
): Map<string, number> {
  const incoming = new Map(members.map((id) => [id, 0]));
  const out = new Map<string, string[]>(members.map((id) => [id, []]));
  for (const e of edges) {
    incoming.set(e.targetId, incoming.get(e.targetId)! + 1);
    out.get(e.sourceId)!.push(e.targetId);
  }
  const depth = new Map(members.map((id) => [id, 0]));
  const placed = new Set<string>();
  const byName = (a: string, b: string) =>
    nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0;
  while (placed.size < members.length) {
    const open = members.filter((id) => !placed.has(id));
    const ready = open.filter((id) => incoming.get(id) === 0).sort(byName);
    const next =
      ready[0] ?? open.sort((a, b) => incoming.get(a)! - incoming.get(b)! || byName(a, b))[0]!;
    placed.add(next);
    for (const t of out.get(next)!) {
      if (placed.has(t)) continue;
      incoming.set(t, incoming.get(t)! - 1);
      depth.set(t, Math.max(depth.get(t)!, depth.get(next)! + 1));
    }
  }
  return depth;
}
