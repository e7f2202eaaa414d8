// CB export -> Ferry content -> CB export for another automation: exact but for identity.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { exportCbExport, exportCbExportText, importCbExport } from '@ferry/core';

// One of the project's own test exports (packages/fixtures); any CB export works.
const file = new URL('../../fixtures/cb-exports/returns-desk.json', import.meta.url);
const text = readFileSync(file, 'utf8');

const imported = importCbExport(text);
if (!imported.ok) throw new Error(imported.error.message);
const { content, botId, name } = imported.value;
console.log(`imported "${name}" (${botId}): ${content.dialogs.length} dialogs`);

// Written back with its own identity, the export is the original text (key order, number lexemes).
assert.equal(exportCbExportText(content, { id: botId, name }) + '\n', text);

// Written for another automation, only the identity fields differ.
const prod = exportCbExport(content, { id: 'prod-bot-id', name: 'Returns desk (Production)' });
assert.equal(prod.bot.id, 'prod-bot-id');
assert.ok(prod.groups.every((g) => g.chatBotId === 'prod-bot-id'));

// An interaction whose dialog is missing is kept, with a warning.
const orphan = importCbExport(
  '{"bot": {}, "groups": [], "conversationMessage": [{"id": "x", "group": "nope"}]}',
);
assert.equal(orphan.ok, true);
console.log(`warning at ${orphan.value.warnings[0].path}: ${orphan.value.warnings[0].message}`);

// Bad input is an error naming the path and the reason, never an exception.
const bad = importCbExport('{"bot": {}, "groups": [{"id": ""}], "conversationMessage": []}');
assert.equal(bad.ok, false);
console.log(`${bad.error.code} at ${bad.error.path}: ${bad.error.message}`);
