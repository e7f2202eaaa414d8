// Text the database cannot store is refused at every text input, naming the field; the same text
// inside CB content is kept as data, and so are "__proto__" keys, through import, edits and export.
import { must } from '@ferry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApi,
  failure,
  testDatabaseKinds,
  type ApiCaller,
  type TestApi,
} from '../test-support/harness.js';
import { fingerprint } from '../test-support/fingerprint.js';
import {
  PROCEDURES,
  callProcedure,
  sampleInput,
  textFields,
  withField,
} from '../test-support/input-shapes.js';

/** Text fields with a format of their own (their message says what they must be). */
const textFormats = new Set(['since', 'until', 'at']);

/** Every issue of a refused call: its field and message. */
async function issuesOf(promise: Promise<unknown>): Promise<{ path: string; message: string }[]> {
  try {
    await promise;
  } catch (e) {
    const issues = (e as { cause?: { issues?: { path: PropertyKey[]; message: string }[] } }).cause
      ?.issues;
    if (issues)
      return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const f = await failure(Promise.reject(e as Error));
    return [{ path: f.path ?? '', message: `${f.code}: ${f.message}` }];
  }
  return [];
}

/** A small CB export with U+0000 and a lone surrogate in names, texts, keys and a section. */
const HOSTILE_TEXT = `{
  "bot": {"id": "b1", "name": "Plain name", "greeting": "hi\\u0000there", "k\\u0000ey": "\\ud800"},
  "groups": [{"id": "d1", "chatBotId": "b1", "name": "Dia\\u0000log \\udfff"}],
  "conversationMessage": [
    {"id": "m1", "chatBotId": "b1", "group": "d1", "content": {"results": {"text": "a\\u0000b"}}},
    {"id": "m\\u0000odd", "chatBotId": "b1", "group": "d1", "list": ["\\u0000", {"x": "\\udc00"}]}
  ],
  "menus": [{"id": "menu\\u0000", "label": "\\u0000"}],
  "custom\\u0000section": {"v": "\\u0000"}
}`;

describe.each(testDatabaseKinds())('text inputs on %s', (kind) => {
  let api: TestApi;
  let admin: ApiCaller;
  beforeAll(async () => {
    api = await createTestApi(kind);
    admin = api.as('admin');
    await admin.automations.create({ name: 'Plain' });
  });
  afterAll(() => api.close());

  it('every text input, sign-in included, refuses U+0000 and lone surrogates naming the field', async () => {
    const known = { automation: 'Plain', source: 'Plain', target: 'Plain', baseRevision: 1 };
    const before = await fingerprint(api.database.db);
    let checked = 0;
    for (const p of PROCEDURES) {
      const base = sampleInput(p.input, known);
      for (const field of textFields(p.input)) {
        for (const [bad, why] of [
          ['a\u0000b', /U\+0000/],
          ['x\ud800y', /surrogate/],
        ] as const) {
          const input = withField(base, field, bad);
          const caller = p.permission === 'public' ? api.as('anonymous') : admin;
          const issues = await issuesOf(callProcedure(caller, p.path, input));
          // Refused at that field: for NUL or the surrogate itself, or by the field's own format
          // (a date), which such text never matches.
          const issue = issues.find((i) => i.path === field);
          expect([p.path, field, issue?.message]).toEqual([
            p.path,
            field,
            expect.stringMatching(textFormats.has(field) ? /must be/ : why),
          ]);
          checked++;
        }
      }
    }
    // Every router's text fields were reached, not just a few.
    expect(checked).toBeGreaterThan(100);
    expect(await fingerprint(api.database.db)).toEqual(before);
  });

  it('U+0000 and lone surrogates inside a CB export are content: stored, edited, audited and exported as sent', async () => {
    const document = JSON.parse(HOSTILE_TEXT) as Record<string, unknown>;
    const editor = api.as('editor');
    for (const sent of [HOSTILE_TEXT, document]) {
      const created = await editor.automations.import({ document: sent });
      // The audit entry of a dialog edit names the dialog: jsonb shows U+FFFD where it cannot hold one.
      await editor.editing.renameDialog({
        automation: created.id,
        baseRevision: created.revision,
        dialogId: 'd1',
        name: 'Renamed',
      });
      await editor.editing.renameDialog({
        automation: created.id,
        baseRevision: created.revision + 1,
        dialogId: 'd1',
        name: 'Dialog',
      });
      const exported = await editor.automations.export({ automation: created.id });
      const expected = structuredClone(document);
      (expected.bot as Record<string, unknown>).id = created.id;
      (expected.bot as Record<string, unknown>).name = created.name;
      const group = must(
        (expected.groups as Record<string, unknown>[])[0],
        'the first dialog group of the expected export',
      );
      group.name = 'Dialog';
      for (const m of expected.conversationMessage as Record<string, unknown>[])
        m.chatBotId = created.id;
      group.chatBotId = created.id;
      expect(exported.document).toEqual(expected);
      const saved = await editor.versions.save({ automation: created.id, name: 'kept' });
      expect(saved).toMatchObject({ name: 'kept' });
      const [entry] = (await editor.audit.list({ automation: created.id, action: 'dialog.rename' }))
        .entries;
      expect(must(entry, 'the newest dialog.rename audit entry').details).toMatchObject({
        from: 'Renamed',
      });
      const [first] = (
        await editor.audit.list({ automation: created.id, action: 'dialog.rename', limit: 2 })
      ).entries.slice(-1);
      expect(must(first, 'the first dialog.rename audit entry').details).toMatchObject({
        from: 'Dia\ufffdlog \ufffd',
      });
    }
  });

  it('a bot name the database cannot store is refused at document/bot/name', async () => {
    const before = await fingerprint(api.database.db);
    const bad = JSON.parse(HOSTILE_TEXT) as { bot: { name: string } };
    bad.bot.name = 'Bad\u0000name';
    expect(await failure(api.as('editor').automations.import({ document: bad }))).toMatchObject({
      code: 'VALIDATION',
      path: 'document/bot/name',
    });
    expect(await fingerprint(api.database.db)).toEqual(before);
  });

  it('"__proto__" keys sent to the API are kept as data by import, edits and export', async () => {
    const editor = api.as('editor');
    const text =
      '{"__proto__":{"top":1},"bot":{"id":"b","name":"Proto","__proto__":{"admin":true}},' +
      '"groups":[{"id":"d1","name":"D","__proto__":{"polluted":1}}],' +
      '"conversationMessage":[{"id":"m1","group":"d1","content":{"__proto__":[{"__proto__":2}]}}]}';
    for (const sent of [text, JSON.parse(text) as Record<string, unknown>]) {
      const created = await editor.automations.import({ document: sent });
      let revision = created.revision;
      const base = () => ({ automation: created.id, baseRevision: revision++ });
      await editor.editing.addDialog({
        ...base(),
        dialog: JSON.parse('{"id":"d2","name":"New","__proto__":{"x":1}}'),
      });
      await editor.editing.addInteraction({
        ...base(),
        dialogId: 'd2',
        interaction: JSON.parse('{"id":"m2","__proto__":"kept","deep":{"__proto__":null}}'),
      });
      await editor.editing.setSettings({
        ...base(),
        settings: JSON.parse('{"language":"en-US","__proto__":{"s":1}}'),
      });
      const out = JSON.stringify(
        (await editor.automations.export({ automation: created.id })).document,
      );
      for (const kept of [
        '"__proto__":{"top":1}',
        '"__proto__":{"polluted":1}',
        '"content":{"__proto__":[{"__proto__":2}]}',
        '"__proto__":{"x":1}',
        '"__proto__":"kept"',
        '"deep":{"__proto__":null}',
        '"__proto__":{"s":1}',
      ])
        expect(out).toContain(kept);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    }
  });
});
