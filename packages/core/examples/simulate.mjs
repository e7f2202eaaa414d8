// A conversation with a CB bot, simulated turn by turn (bot code needs a sandbox: @ferry/sandbox).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importCbExport, messageText, simulateConversation } from '@ferry/core';

const file = new URL('../../fixtures/cb-exports/loose-ends.json', import.meta.url);
const imported = importCbExport(readFileSync(file, 'utf8'));
if (!imported.ok) throw new Error(imported.error.message);
const { content } = imported.value;

const result = simulateConversation(
  content,
  {
    env: {},
    fixtures: { integrations: { Inventory: { status: 200, body: { name: 'Widget', onHand: 3 } } } },
    sandbox: null, // e.g. await createQuickJsSandbox() from @ferry/sandbox
    now: () => new Date('2026-01-01T00:00:00Z'),
    random: () => 0.5,
  },
  ['hi', '1', 'AB-12'], // one user message per turn
);
assert.equal(result.outcome, 'inconclusive');
assert.deepEqual(result.turns[0].messages.map(messageText), [
  'What would you like to do?\nCheck stock\nOld offers\nGoodbye',
]);
assert.equal(result.turns[1].dialog, '2 Stock check');
// The answer runs process-user-response code, and no sandbox was given.
assert.deepEqual(
  { construct: result.inconclusive.construct, turn: result.inconclusive.turn },
  { construct: 'code', turn: 2 },
);
console.log(result.inconclusive.reason);
