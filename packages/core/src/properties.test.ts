// Property tests over generated bots: the laws users rely on hold for any bot, not just fixtures.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportCbExport, exportCbExportText, importCbExport } from './cb-export.js';
import { releaseChecks } from './checks.js';
import { referencedEnvNames } from './env-refs.js';
import { diffSnapshots } from './diff.js';
import type { JsonValue } from './json.js';
import type { Automation } from './automation.js';
import { createRelease, upgradeToRelease } from './releases.js';
import { importGenerated, must, newSnapshotter } from './test-support/bots.js';
import { generateBotExport } from './testing.js';
import { restoreVersion, saveVersion } from './versions.js';
import { must as present } from './must.js';

const bots = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  dialogs: fc.integer({ min: 0, max: 8 }),
  interactionsPerDialog: fc.integer({ min: 0, max: 8 }),
});

const ctx = (actor = 'alice') => {
  let n = 0;
  return { now: new Date('2026-11-25T12:00:00Z'), newId: () => `id-${++n}`, actor };
};

const automation = (id: string, root: string): Automation => ({
  id,
  name: id,
  revision: 1,
  root,
  environmentId: 'env',
  agents: ['agent-' + id],
  lastVersionNumber: 0,
});

function shuffleKeys(value: JsonValue, rand: () => number): JsonValue {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rand));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort(() => rand() - 0.5);
  return Object.fromEntries(keys.map((k) => [k, shuffleKeys(present(value[k], 'value[k]'), rand)]));
}

describe('laws over generated bots', () => {
  it('export(import(x)) reproduces x', () => {
    fc.assert(
      fc.property(bots, (opts) => {
        const doc = generateBotExport(opts);
        const { content, botId, name } = must(importCbExport(JSON.stringify(doc)));
        const snap = newSnapshotter();
        expect(
          exportCbExport(snap.read(snap.write(content)), {
            id: present(botId, 'botId'),
            name: present(name, 'name'),
          }),
        ).toEqual(doc);
      }),
      { numRuns: 40 },
    );
  });

  it('key order is kept exactly, and alone is no change', () => {
    fc.assert(
      fc.property(bots, fc.integer(), (opts, shuffleSeed) => {
        const doc = generateBotExport(opts);
        let s = shuffleSeed;
        const rand = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
        const shuffled = shuffleKeys(doc, rand);
        const snap = newSnapshotter();
        const a = snap.write(must(importCbExport(JSON.stringify(doc))).content);
        const b = snap.write(must(importCbExport(JSON.stringify(shuffled))).content);
        expect(diffSnapshots(snap, a, b).changes).toEqual([]);
        const bot = doc.bot as { id: string; name: string };
        const identity = { id: bot.id, name: bot.name };
        expect(exportCbExportText(snap.read(b), identity)).toBe(JSON.stringify(shuffled, null, 2));
      }),
      { numRuns: 30 },
    );
  });

  it('restoring a saved version brings back exactly the saved content', () => {
    fc.assert(
      fc.property(bots, fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), (opts, edits) => {
        const snap = newSnapshotter();
        const { content } = importGenerated(opts);
        let a = automation('dev', snap.write(content));
        const saved = must(saveVersion(a, { name: 'checkpoint' }, ctx()));
        a = saved.automation;
        for (const pick of edits) {
          const root = must(
            snap.edit(a.root, {
              op: 'addDialog',
              dialog: { id: `extra-${pick}-${a.revision}`, name: 'x' },
            }),
          );
          a = { ...a, root, revision: a.revision + 1 };
        }
        const restored = must(
          restoreVersion(a, saved.version, { baseRevision: a.revision }, ctx()),
        );
        expect(restored.automation.root).toBe(saved.version.root);
        expect(snap.read(restored.automation.root)).toEqual(content);
        expect(restored.backup.root).toBe(a.root);
      }),
      { numRuns: 30 },
    );
  });

  it('upgrade makes the target content equal to the release content, keeping its identity', () => {
    fc.assert(
      fc.property(bots, bots, (devOpts, prodOpts) => {
        const snap = newSnapshotter();
        const dev = importGenerated(devOpts).content;
        const source = automation('dev', snap.write(dev));
        const target = automation('prod', snap.write(importGenerated(prodOpts).content));
        const { release } = must(
          createRelease({ source, target, version: '1.0.0', pending: null, ledger: [] }, ctx('rc')),
        );
        const checks = releaseChecks(snap.read(release.root), referencedEnvNames(dev));
        const up = must(
          upgradeToRelease(
            {
              target,
              release,
              ledger: [],
              checks,
              policy: { acceptorMustDifferFromCreator: true },
            },
            ctx('ra'),
          ),
        );
        expect(snap.read(up.automation.root)).toEqual(dev);
        expect(up.automation).toMatchObject({
          id: 'prod',
          name: 'prod',
          agents: ['agent-prod'],
          environmentId: 'env',
        });
        const exported = exportCbExport(snap.read(up.automation.root), {
          id: 'prod',
          name: 'prod',
        });
        expect(exported).toEqual(exportCbExport(dev, { id: 'prod', name: 'prod' }));
      }),
      { numRuns: 25 },
    );
  });

  it('a snapshot diffed with itself is empty', () => {
    fc.assert(
      fc.property(bots, (opts) => {
        const snap = newSnapshotter();
        const root = snap.write(importGenerated(opts).content);
        expect(diffSnapshots(snap, root, root).changes).toEqual([]);
      }),
      { numRuns: 20 },
    );
  });

  it('diff reports exactly the interactions and dialogs a test edited', () => {
    const bigBots = fc.record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      dialogs: fc.integer({ min: 1, max: 80 }),
      interactionsPerDialog: fc.integer({ min: 1, max: 40 }),
    });
    fc.assert(
      fc.property(
        bigBots,
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 12 }),
        (opts, picks) => {
          const snap = newSnapshotter();
          const { content } = importGenerated(opts);
          const a = snap.write(content);
          let b = a;
          const expected = new Set<string>();
          for (const [dp, ip, renameDialog] of picks) {
            const d = present(
              content.dialogs[dp % content.dialogs.length],
              'content.dialogs[dp % content.dialogs.length]',
            );
            const dialogId = d.dialog.id as string;
            if (renameDialog) {
              b = must(
                snap.edit(b, { op: 'updateDialog', dialog: { ...d.dialog, name: `edited ${dp}` } }),
              );
              expected.add(`dialog ${dialogId}`);
            } else {
              const i = present(
                d.interactions[ip % d.interactions.length],
                'd.interactions[ip % d.interactions.length]',
              );
              b = must(
                snap.edit(b, {
                  op: 'updateInteraction',
                  dialogId,
                  interaction: { ...i, name: `edited ${ip}` },
                }),
              );
              expected.add(`interaction ${i.id}`);
            }
          }
          const diff = diffSnapshots(snap, a, b);
          expect(new Set(diff.changes.map((c) => `${c.kind} ${c.id}`))).toEqual(expected);
          expect(diff.changes.every((c) => c.op === 'changed')).toBe(true);
          expect(diff.summary.changed).toBe(expected.size);
        },
      ),
      { numRuns: 25 },
    );
  });
});
