// Keys that name Object.prototype's members ("__proto__", "constructor") are content like any other:
// kept as data at every level of a CB export, through import, storage, diff and export.
import { describe, expect, it } from 'vitest';
import { exportCbExportText, importCbExport } from './cb-export.js';
import { diffSnapshots } from './diff.js';
import { newSnapshotter } from './test-support/bots.js';

/** An export with "__proto__" (and "constructor") keys everywhere a CB export can hold keys. */
const TEXT = JSON.stringify(
  JSON.parse(`{
  "__proto__": {"top": true},
  "constructor": [{"id": "c1", "__proto__": {"x": 1}}],
  "bot": {"id": "b1", "name": "Bot", "__proto__": {"admin": true}, "constructor": "bot"},
  "responder": [{"id": "r1", "chatbotId": "b1", "__proto__": [1, {"__proto__": null}]}],
  "groups": [{"id": "d1", "chatBotId": "b1", "name": "D", "__proto__": {"polluted": "dialog"}}],
  "conversationMessage": [
    {"id": "m1", "chatBotId": "b1", "group": "d1", "__proto__": "interaction",
     "content": {"results": {"deep": {"__proto__": {"__proto__": {"polluted": "deep"}}}}},
     "list": [{"__proto__": 1}, {"a": {"__proto__": 2}}]}
  ]
}`),
  null,
  2,
);

describe('"__proto__" keys in a CB export', () => {
  it('survive import → export at the top level, in bot, dialogs, interactions, content and arrays', () => {
    const result = importCbExport(TEXT);
    if (!result.ok) throw new Error(result.error.message);
    const out = JSON.parse(exportCbExportText(result.value.content, { id: 'b1', name: 'Bot' }));
    // Compared as text: JSON.parse makes each "__proto__" an own key, so both sides hold them.
    const sorted = (v: unknown): unknown =>
      JSON.parse(JSON.stringify(v, (_k, x: unknown) => sortKeys(x)));
    expect(JSON.stringify(sorted(out))).toBe(JSON.stringify(sorted(JSON.parse(TEXT))));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).top).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('are stored, read back and diffed as data, never as prototypes', () => {
    const result = importCbExport(TEXT);
    if (!result.ok) throw new Error(result.error.message);
    const snap = newSnapshotter();
    const root = snap.write(result.value.content);
    const back = snap.read(root);
    expect(Object.keys(back.sections).sort()).toEqual(['__proto__', 'constructor', 'responder']);
    expect(Object.hasOwn(back.settings, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(back.sections)).toBe(Object.prototype);
    expect(snap.write(back)).toBe(root);
    // A content without them differs exactly by those sections.
    const without = structuredClone(result.value.content);
    for (const key of ['__proto__', 'constructor']) Reflect.deleteProperty(without.sections, key);
    const diff = diffSnapshots(snap, snap.write(without), root);
    expect(diff.changes.map((c) => `${c.kind}:${c.op}:${c.section ?? ''}`).sort()).toEqual([
      'section:added:__proto__',
      'section:added:constructor',
    ]);
  });
});

function sortKeys(x: unknown): unknown {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return x;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(x).sort())
    Object.defineProperty(out, k, {
      value: (x as Record<string, unknown>)[k],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}
