// The export index imports exactly what importCbExport + Snapshotter.write store: whole exports
// (every fixture), and chains of random changes re-imported from the previous index, checked node
// for node against a fresh import, with the index itself equal to a fresh one's.
import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import {
  exportIndexParts,
  importIndexed,
  indexFromParts,
  reimportIndexed,
  type ExportIndex,
  type ExportIndexParts,
  type ExportSource,
} from './export-index.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { must } from './must.js';
import { createSnapshotter } from './snapshot.js';
import { fixtureNames, nodeSha256, readFixture } from './test-support/fixtures.js';
import { generateBotExport, seededRandom as seeded } from './testing.js';

const source = (bytes: Buffer): ExportSource => ({
  length: bytes.length,
  view: (s, e) => bytes.toString('latin1', s, e),
  text: (s, e) => bytes.toString('utf8', s, e),
});

/** What a plain import stores: the root, the tree's nodes and the bot name; null if refused or warned. */
function reference(text: string) {
  const imported = importCbExport(text);
  if (!imported.ok || imported.value.warnings.length > 0) return null;
  const snap = createSnapshotter(nodeSha256);
  const root = snap.write(imported.value.content);
  return { root, nodes: snap.store.nodes, botName: imported.value.name };
}

/** Bytes equal at the start and at the end of two buffers (not overlapping). */
function change(a: Buffer, b: Buffer) {
  const most = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < most && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < most - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return { prefix, suffix };
}

/** The index as plain data, to compare. */
function comparable(index: ExportIndex) {
  const p = exportIndexParts(index);
  // `shaped` is an upper bound after a change (what it saves is a recount when it is 0).
  const header = { ...(p.header as Record<string, unknown>), distinct: undefined };
  return {
    treeNodes: index.treeNodes,
    elements: index.distinct.elements,
    dupes: [...index.distinct.dupes].sort(),
    header,
    member: [...p.member],
    start: [...p.start],
    end: [...p.end],
    risky: [...p.risky],
    hashes: p.hashes,
  };
}

describe('the export index', () => {
  it('imports every fixture as importCbExport + write do, and round-trips in parts', () => {
    let indexed = 0;
    for (const name of fixtureNames()) {
      const text = readFixture(name);
      const expected = reference(text);
      const got = importIndexed(source(Buffer.from(text)), nodeSha256);
      if (got === null) continue;
      indexed++;
      expect([name, got.root]).toEqual([name, must(expected, 'a fixture that imports').root]);
      expect(got.botName).toBe(expected?.botName);
      expect(new Map(got.store.nodes)).toEqual(expected?.nodes);
      expect(got.index.treeNodes).toBe(expected?.nodes.size);
      expect(indexFromParts(exportIndexParts(got.index))).toEqual(got.index);
    }
    expect(indexed).toBeGreaterThan(0);
  });

  it('refuses what it cannot read as importCbExport does, and accepts only what it accepts', () => {
    const base = JSON.stringify(
      generateBotExport({ seed: 3, dialogs: 2, interactionsPerDialog: 2 }),
      null,
      2,
    );
    const rand = seeded(99);
    for (let k = 0; k < 400; k++) {
      const bytes = Buffer.from(base);
      // One to three bytes overwritten with characters that matter to JSON.
      for (let n = 1 + Math.floor(rand() * 3); n > 0; n--)
        bytes[Math.floor(rand() * bytes.length)] = must(
          '{}[],:"\\ 0a1e.-'.charCodeAt(Math.floor(rand() * 16)),
          'a character',
        );
      const got = importIndexed(source(bytes), nodeSha256);
      if (got === null) continue;
      const expected = reference(bytes.toString('utf8'));
      expect(expected?.root).toBe(got.root);
    }
  });

  it('re-imports chains of random changes from the last index, as a fresh import would', () => {
    const rand = seeded(12);
    let incremental = 0;
    let steps = 0;
    for (let chain = 0; chain < 12; chain++) {
      const doc = generateBotExport({
        seed: 100 + chain,
        dialogs: 3 + Math.floor(rand() * 4),
        interactionsPerDialog: 2 + Math.floor(rand() * 4),
      });
      let text = JSON.stringify(doc, null, 2);
      let bytes = Buffer.from(text);
      let state = must(importIndexed(source(bytes), nodeSha256), 'a generated bot imports');
      let treeNodes = new Map(state.store.nodes);
      for (let step = 0; step < 25; step++) {
        steps++;
        // A change of the last accepted export (a refused one is not built on).
        const changed = mutate(text, rand);
        const next = Buffer.from(changed);
        const expected = reference(changed);
        const fresh = importIndexed(source(next), nodeSha256);
        if (fresh !== null) {
          expect(expected?.root).toBe(fresh.root);
          expect(fresh.index.treeNodes).toBe(expected?.nodes.size);
        }
        const again = reimportIndexed(state.index, source(next), change(bytes, next), nodeSha256);
        if (again !== null) {
          incremental++;
          const want = must(expected, 'what the index accepts, a plain import accepts');
          expect(again.root).toBe(want.root);
          expect(again.botName).toBe(want.botName);
          // Every node of the tree is in the last tree or among the fresh ones (which it has).
          for (const [hash, body] of want.nodes)
            expect(treeNodes.get(hash) ?? again.fresh?.get(hash)).toBe(body);
          for (const hash of again.fresh?.keys() ?? []) expect(want.nodes.has(hash)).toBe(true);
          expect(comparable(again.index)).toEqual(comparable(must(fresh, 'fresh').index));
        }
        const accepted = again ?? fresh;
        if (accepted === null || expected === null) continue;
        state = accepted;
        treeNodes = expected.nodes;
        text = changed;
        bytes = next;
      }
    }
    // Most changes are read incrementally (the rest: refused exports, whole-import cases).
    expect(incremental / steps).toBeGreaterThan(0.6);
  });

  it('reads no more than the changed elements (a one-interaction change)', () => {
    const doc = generateBotExport({ seed: 5, dialogs: 40, interactionsPerDialog: 10 });
    const before = Buffer.from(JSON.stringify(doc, null, 2));
    const first = must(importIndexed(source(before), nodeSha256), 'imports');
    const messages = doc.conversationMessage as JsonObject[];
    must(messages[123], 'an interaction').name = 'changed';
    const after = Buffer.from(JSON.stringify(doc, null, 2));
    let decoded = 0;
    let viewed = 0;
    const counting: ExportSource = {
      length: after.length,
      view: (s, e) => {
        viewed += e - s;
        return after.toString('latin1', s, e);
      },
      text: (s, e) => {
        decoded += e - s;
        return after.toString('utf8', s, e);
      },
    };
    const again = must(
      reimportIndexed(first.index, counting, change(before, after), nodeSha256),
      'reimports',
    );
    expect(again.root).toBe(reference(after.toString('utf8'))?.root);
    const one = Buffer.byteLength(JSON.stringify(messages[123], null, 2));
    expect(decoded).toBeLessThan(3 * one);
    expect(viewed).toBeLessThan(3 * one);
    // The interaction, its dialog's list and node, the dialog list's chunk(s), the root.
    expect(again.store.nodes.size).toBeLessThanOrEqual(6);
  });

  it('is ignored when its parts are not an index', () => {
    const text = JSON.stringify(
      generateBotExport({ seed: 1, dialogs: 2, interactionsPerDialog: 2 }),
    );
    const index = must(importIndexed(source(Buffer.from(text)), nodeSha256), 'imports').index;
    const good = exportIndexParts(index);
    expect(indexFromParts(good)).toEqual(index);
    const header = good.header as Record<string, unknown>;
    const broken: ((p: ExportIndexParts) => ExportIndexParts)[] = [
      (p) => ({ ...p, header: null }),
      (p) => ({ ...p, header: { ...header, root: 'x' } }),
      (p) => ({ ...p, header: { ...header, ids: (header.ids as unknown[]).slice(1) } }),
      (p) => ({ ...p, header: { ...header, places: [['[1]', 1]] } }),
      (p) => ({ ...p, start: p.start.map((v, i) => (i === 3 ? v + 100_000 : v)) }),
      (p) => ({ ...p, member: p.member.map((v, i) => (i === 0 ? 99 : v)) }),
      (p) => ({ ...p, hashes: p.hashes.replace(/^.{4}/, 'zzzz') }),
      (p) => ({ ...p, hashes: p.hashes.slice(64) }),
      (p) => ({ ...p, header: { ...header, dialogs: [['d', 'not a hash', '', '']] } }),
    ];
    for (const brk of broken) expect(indexFromParts(brk(good))).toBeNull();
  });
});

/**
 * One random change of an export's text: most as CB would make them (through the document, printed
 * as CB prints), some only text can make (number lexemes, duplicate keys, escapes, whitespace).
 */
function mutate(text: string, rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => must(xs[Math.floor(rand() * xs.length)], 'a pick');
  let doc: JsonObject;
  try {
    doc = JSON.parse(text) as JsonObject;
  } catch {
    return text;
  }
  const messages = Array.isArray(doc.conversationMessage)
    ? (doc.conversationMessage as JsonValue[])
    : [];
  const groups = Array.isArray(doc.groups) ? (doc.groups as JsonValue[]) : [];
  const someMessage = () =>
    messages.length > 0 ? (messages[Math.floor(rand() * messages.length)] as JsonObject) : null;
  const print = () => JSON.stringify(doc, null, 2);
  const kind = Math.floor(rand() * 20);
  switch (kind) {
    case 0:
    case 1:
    case 2: {
      const m = someMessage();
      if (m) m.name = `edited ${Math.floor(rand() * 1000)} ✓`;
      return print();
    }
    case 3: {
      const m = someMessage();
      if (m)
        messages.splice(Math.floor(rand() * (messages.length + 1)), 0, {
          ...structuredClone(m),
          id: `new-${Math.floor(rand() * 1e9)}`,
        });
      return print();
    }
    case 4:
      if (messages.length > 0) messages.splice(Math.floor(rand() * messages.length), 1);
      return print();
    case 5: {
      if (messages.length > 1) {
        const [m] = messages.splice(Math.floor(rand() * messages.length), 1);
        messages.splice(Math.floor(rand() * messages.length), 0, must(m, 'm'));
      }
      return print();
    }
    case 6: {
      const m = someMessage();
      const g = groups.length > 0 ? (pick(groups) as JsonObject) : null;
      if (m && g) m.group = g.id as string;
      return print();
    }
    case 7: {
      const id = `dialog-${Math.floor(rand() * 1e9)}`;
      groups.splice(Math.floor(rand() * (groups.length + 1)), 0, {
        ...(groups.length > 0 ? structuredClone(groups[0] as JsonObject) : {}),
        id,
        name: 'new dialog',
      });
      messages.push({ id: `first-of-${id}`, group: id, type: 'BOT_MESSAGE' });
      return print();
    }
    case 8: {
      // A dialog and its interactions removed.
      if (groups.length > 1) {
        const [g] = groups.splice(Math.floor(rand() * groups.length), 1);
        const id = (g as JsonObject).id;
        doc.conversationMessage = messages.filter((m) => (m as JsonObject).group !== id);
      }
      return print();
    }
    case 9: {
      const g = groups.length > 0 ? (pick(groups) as JsonObject) : null;
      if (g) g.name = `renamed ${Math.floor(rand() * 100)}`;
      return print();
    }
    case 10:
      if (Array.isArray(doc.platforms))
        (doc.platforms as JsonValue[]).push({ id: `p${Math.floor(rand() * 100)}`, x: 1 });
      if (Array.isArray(doc.menus)) (doc.menus as JsonValue[]).push(Math.floor(rand() * 10));
      return print();
    case 11:
      if (isJsonObject(doc.bot)) doc.bot.sessionLength = Math.floor(rand() * 100);
      return print();
    case 12: {
      // The identity field moved or dropped in one interaction.
      const m = someMessage();
      if (m && typeof m.chatBotId === 'string') {
        const id = m.chatBotId;
        delete m.chatBotId;
        if (rand() < 0.5) m.chatBotId = id;
      }
      return print();
    }
    case 13:
      // A new section: a list, one value, or a list holding what looks like a tree's list node.
      doc[`extra${Math.floor(rand() * 3)}`] = pick([
        [{ id: 'e', v: 1 }],
        { a: 1 },
        [
          { i: [], l: 0 },
          { i: [], l: 0 },
        ],
      ]);
      return print();
    case 14: {
      // A number lexeme JSON.parse does not keep (the export becomes "risky"), or back.
      const at = text.indexOf('"sessionLength": ');
      if (at < 0) return text;
      const end = text.indexOf('\n', at);
      return (
        text.slice(0, at) + `"sessionLength": ${pick(['1.0', '2', '1e3', '0'])},` + text.slice(end)
      );
    }
    case 15: {
      // A duplicate key inside one interaction.
      const at = text.indexOf('"status": "ACTIVE"', Math.floor(rand() * text.length));
      if (at < 0) return text;
      return text.slice(0, at) + '"status": "X", ' + text.slice(at);
    }
    case 16: {
      // A string escape JSON.stringify writes otherwise.
      const at = text.indexOf('"type": "BOT_MESSAGE"', Math.floor(rand() * text.length));
      if (at < 0) return text;
      return text.slice(0, at) + '"type": "BOT\\u005fMESSAGE"' + text.slice(at + 21);
    }
    case 17: {
      // Whitespace only, between elements or inside one.
      const at = text.indexOf(',\n', Math.floor(rand() * text.length));
      if (at < 0) return text;
      return text.slice(0, at + 1) + pick([' ', '\n\t', '']) + text.slice(at + 1);
    }
    case 18: {
      // A top-level key renamed (its elements stay).
      const keys = Object.keys(doc).filter(
        (k) => !['bot', 'groups', 'conversationMessage'].includes(k),
      );
      if (keys.length === 0) return text;
      const key = pick(keys);
      return text.replace(`\n  ${JSON.stringify(key)}:`, `\n  ${JSON.stringify(key + 'X')}:`);
    }
    default: {
      // A byte broken somewhere (a refused export), or an interaction id repeated.
      if (rand() < 0.5) {
        const at = Math.floor(rand() * text.length);
        return text.slice(0, at) + pick(['}', '"', ',', 'x']) + text.slice(at + 1);
      }
      const m = someMessage();
      const other = someMessage();
      if (m && other) m.id = other.id as string;
      return print();
    }
  }
}
