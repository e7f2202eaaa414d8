// The Dev -> Prod workflow with the pure operations: save, restore, release, checks, upgrade,
// rollback. The caller (Ferry's server) stores what each step returns.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  createRelease,
  createSnapshotter,
  importCbExport,
  releaseChecks,
  restoreVersion,
  rollback,
  saveVersion,
  upgradeToRelease,
} from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';

const snap = createSnapshotter((text) => createHash('sha256').update(text).digest('hex'));
let ids = 0;
const ctx = (actor) => ({ now: new Date(), newId: () => `id-${++ids}`, actor });
const unwrap = (r) => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

const { content } = unwrap(
  importCbExport(generateBotExport({ seed: 1, dialogs: 3, interactionsPerDialog: 4 })),
);
let dev = {
  id: 'dev',
  name: 'Support bot (Dev)',
  revision: 1,
  root: snap.write(content),
  environmentId: 'env-dev',
  agents: ['dev-agent'],
  lastVersionNumber: 0,
};
let prod = {
  id: 'prod',
  name: 'Support bot',
  revision: 1,
  root: snap.write(
    unwrap(importCbExport(generateBotExport({ seed: 2, dialogs: 1, interactionsPerDialog: 1 })))
      .content,
  ),
  environmentId: 'env-prod',
  agents: ['prod-agent'],
  lastVersionNumber: 0,
};

// Save a version with a blank name: it is named after the date and time.
const saved = unwrap(saveVersion(dev, { baseRevision: dev.revision }, ctx('editor')));
dev = saved.automation;
console.log(`saved #${saved.version.number} "${saved.version.name}"`);

// Edit, then restore: a backup version is saved first, so the restore can be undone.
const d = content.dialogs[0];
dev = {
  ...dev,
  revision: dev.revision + 1,
  root: unwrap(snap.edit(dev.root, { op: 'updateDialog', dialog: { ...d.dialog, name: 'Oops' } })),
};
const restored = unwrap(
  restoreVersion(dev, saved.version, { baseRevision: dev.revision }, ctx('editor')),
);
dev = restored.automation;
console.log(
  `restored #${saved.version.number}; backup #${restored.backup.number} "${restored.backup.name}"`,
);

// Release Dev -> Prod. The checks block the upgrade until Prod's environment defines the variables.
const { release } = unwrap(
  createRelease(
    {
      source: dev,
      target: prod,
      version: '1.0.0',
      description: 'First release',
      pending: null,
      ledger: [],
    },
    ctx('release-manager'),
  ),
);
const blocked = releaseChecks(snap.read(release.root), ['BRAND']);
const refused = upgradeToRelease(
  {
    target: prod,
    release,
    ledger: [],
    checks: blocked,
    ifRevision: prod.revision,
    policy: { acceptorMustDifferFromCreator: true },
  },
  ctx('prod-owner'),
);
console.log(`upgrade refused: ${refused.error.message}`);
assert.equal(refused.error.code, 'PRECONDITION_FAILED');

const passing = releaseChecks(snap.read(release.root), ['BRAND', 'SKILL_ID', 'API_BASE_URL']);
const up = unwrap(
  upgradeToRelease(
    {
      target: prod,
      release,
      ledger: [],
      checks: passing,
      ifRevision: prod.revision,
      policy: { acceptorMustDifferFromCreator: true },
    },
    ctx('prod-owner'),
  ),
);
prod = up.automation;
assert.equal(prod.root, dev.root); // identical content ...
assert.deepEqual(prod.agents, ['prod-agent']); // ... but Prod keeps its own agents and environment
console.log(
  `Prod upgraded to ${up.release.version}: backup #${up.backup.number}, "${up.result.name}" #${up.result.number}`,
);

// Roll back: Prod returns to the backup taken before the upgrade.
const back = unwrap(
  rollback(
    { target: prod, ledger: [up.upgrade], backup: up.backup, release: up.release },
    ctx('prod-owner'),
  ),
);
assert.equal(back.automation.root, up.backup.root);
console.log(
  `rolled back ${back.upgrade.releaseVersion}; Prod is at revision ${back.automation.revision}`,
);
