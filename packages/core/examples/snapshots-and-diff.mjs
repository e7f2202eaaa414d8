// Content-addressed snapshots: write a bot, edit one interaction, diff the two snapshots.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createSnapshotter, diffSnapshots, importCbExport } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';

// Core takes the hash function as a parameter: native SHA-256 on a server (sha256Hex elsewhere).
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const snap = createSnapshotter(sha256);

const doc = generateBotExport({ seed: 42, dialogs: 500, interactionsPerDialog: 20 });
const { content } = importCbExport(doc).value;
const before = snap.write(content);
snap.store.takeWritten();
console.log(`10,000 interactions stored as ${snap.store.size} nodes, root ${before.slice(0, 12)}…`);

const dialog = content.dialogs[123];
const interaction = { ...dialog.interactions[4], name: 'greeting_v2' };
const edited = snap.edit(before, {
  op: 'updateInteraction',
  dialogId: dialog.dialog.id,
  interaction,
});
if (!edited.ok) throw new Error(edited.error.message);
const written = snap.store.takeWritten();
console.log(`editing one interaction wrote ${written.size} nodes`);
assert.ok(written.size <= 8);

const diff = diffSnapshots(snap, before, edited.value);
console.log(diff.summary.text, diff.changes[0].fields);
assert.equal(diff.summary.changed, 1);
assert.deepEqual(diff.changes[0].fields, [
  { path: '/name', before: dialog.interactions[4].name, after: 'greeting_v2' },
]);
