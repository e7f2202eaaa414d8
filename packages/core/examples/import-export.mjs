// CB export -> Ferry content -> CB export for another automation: lossless but for identity.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { exportCbExport, importCbExport } from '@ferry/core';

// One of the project's own test exports (packages/fixtures); any CB export works.
const file = new URL('../../fixtures/cb-exports/returns-desk.json', import.meta.url);
const text = readFileSync(file, 'utf8');

const imported = importCbExport(text);
if (!imported.ok) throw new Error(imported.error.message);
const { content, botId, name } = imported.value;
console.log(`imported "${name}" (${botId}): ${content.dialogs.length} dialogs`);

// Written back with its own identity, the export is the original document.
assert.deepEqual(exportCbExport(content, { id: botId, name }), JSON.parse(text));

// Written for another automation, only the identity fields differ.
const prod = exportCbExport(content, { id: 'prod-bot-id', name: 'Returns desk (Production)' });
assert.equal(prod.bot.id, 'prod-bot-id');
assert.ok(prod.groups.every((g) => g.chatBotId === 'prod-bot-id'));

// Bad input is an error naming the path and the reason, never an exception.
const bad = importCbExport(
  '{"bot": {}, "groups": [], "conversationMessage": [{"id": "x", "group": "nope"}]}',
);
assert.equal(bad.ok, false);
console.log(`${bad.error.code} at ${bad.error.path}: ${bad.error.message}`);
