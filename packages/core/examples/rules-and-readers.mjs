// The rules every Ferry surface shares, and content as people read it and as a flow graph.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  FLOW_DIALOG_PREFIX,
  epochDate,
  fieldLabel,
  flowGraph,
  formatUtc,
  importCbExport,
  plural,
  readableDialogs,
  typeLabel,
  variableNameProblem,
} from '@ferry/core';

assert.equal(formatUtc('2026-11-25T20:09:23.123Z'), '2026-11-25 20:09:23 UTC');
assert.equal(plural(1, 'dialog'), '1 dialog');
assert.equal(plural(1204, 'interaction'), '1,204 interactions');
assert.equal(fieldLabel({ kind: 'interaction' }, '/quickReplies/1/title'), 'Quick reply 2 title');
assert.equal(epochDate('/modificationTime', 1739448000000), '2025-02-13 12:00:00 UTC');
assert.equal(typeLabel('QUICK_REPLY'), 'Quick reply');
assert.equal(variableNameProblem('SKILL_ID'), null);
console.log(variableNameProblem('1x'));

const file = new URL('../../fixtures/cb-exports/returns-desk.json', import.meta.url);
const imported = importCbExport(readFileSync(file, 'utf8'));
if (!imported.ok) throw new Error(imported.error.message);
const { content } = imported.value;

const [first] = readableDialogs(content);
console.log(`${first.name}: ${first.interactions.map((i) => i.kind).join(', ')}`);

const graph = flowGraph(content);
const starts = graph.edges.filter((e) => e.kind === 'start');
assert.ok(starts.every((e) => e.source.startsWith(FLOW_DIALOG_PREFIX)));
console.log(`${graph.nodes.length} nodes, ${graph.edges.length} edges`);
