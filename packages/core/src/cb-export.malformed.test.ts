import { FIXTURES } from '@ferry/fixtures';
import { describe, expect, it } from 'vitest';
import {
  exportCbExport,
  exportCbExportText,
  importCbExport,
  type ImportedBot,
} from './cb-export.js';
import { emptyContent, type BotContent } from './content.js';
import { canonicalJson, type JsonObject, type JsonValue } from './json.js';
import type { Result } from './result.js';
import { fixtureNames, readFixture } from './test-support/fixtures.js';
import { must } from './must.js';

// The identity fields CB repeats inside entities, spelled as CB spells them (DESIGN.md, content model).
const IDENTITY_KEYS: Record<string, string> = {
  groups: 'chatBotId',
  conversationMessage: 'chatBotId',
  globalFunctions: 'chatBotId',
  responder: 'chatbotId',
  platforms: 'chatbotId',
  dialogTemplates: 'botId',
};

const NEW_ID = '00000000-0000-4000-8000-00000000f00d';
const OTHER_BOT = '99999999-9999-4999-8999-999999999999';

/** The smallest export that imports: one dialog with two interactions and one integration. */
function minimalExport(): Record<string, unknown> {
  return {
    bot: { id: 'bot-1', name: 'Minimal', language: 'en-US' },
    responder: [{ id: 'int-1', chatbotId: 'bot-1', name: 'Weather API' }],
    conversationMessage: [
      {
        id: 'm1',
        chatBotId: 'bot-1',
        group: 'd1',
        type: 'TEXT',
        content: { results: { text: 'Hi' } },
      },
      {
        id: 'm2',
        chatBotId: 'bot-1',
        group: 'd1',
        type: 'TEXT',
        content: { results: { text: 'Bye' } },
      },
    ],
    groups: [{ id: 'd1', chatBotId: 'bot-1', name: 'Welcome' }],
  };
}

const parse = (text: string): JsonObject => JSON.parse(text) as JsonObject;
const clone = <T>(value: T): T => structuredClone(value);
const objectAt = (value: JsonValue | undefined): JsonObject => value as JsonObject;
const arrayAt = (value: JsonValue | undefined): JsonObject[] => value as JsonObject[];

/** Asserts a VALIDATION failure at exactly `path` whose message matches every pattern. */
function expectRefused(result: Result<ImportedBot>, path: string, ...message: RegExp[]): void {
  if (result.ok)
    throw new Error(`expected the import to be refused at "${path}", but it succeeded`);
  expect(result.error.code).toBe('VALIDATION');
  expect(result.error.path).toBe(path);
  for (const pattern of message) expect(result.error.message).toMatch(pattern);
}

function imported(result: Result<ImportedBot>): ImportedBot {
  if (!result.ok)
    throw new Error(`import refused: ${result.error.message} (at ${result.error.path})`);
  return result.value;
}

const importDoc = (doc: unknown) => importCbExport(doc);
const importText = (doc: unknown) => importCbExport(JSON.stringify(doc));

/** Both ways in: as JSON text and as an already parsed object. */
const BOTH = [
  ['as JSON text', importText],
  ['as an object', importDoc],
] as const;

const allInteractions = (content: BotContent): JsonObject[] =>
  content.dialogs.flatMap((d) => d.interactions);

/** A copy of a CB export as another automation would have exported it. */
function asExportedBy(original: JsonObject, id: string, name: string): JsonObject {
  const doc = clone(original);
  const oldId = objectAt(doc.bot).id;
  doc.bot = { ...objectAt(doc.bot), id, name };
  for (const [section, key] of Object.entries(IDENTITY_KEYS)) {
    const value = doc[section];
    const entities = Array.isArray(value) ? value : value === undefined ? [] : [value];
    for (const e of entities as JsonObject[]) if (e[key] === oldId) e[key] = id;
  }
  return doc;
}

const countOccurrences = (text: string, needle: string) => text.split(needle).length - 1;

describe('importCbExport refuses input that is not a CB export', () => {
  it.each([
    ['an empty text', ''],
    ['a truncated document', '{"bot": {"id": "b"'],
    ['single-quoted JSON', "{'bot': {}}"],
    ['a trailing comma', '{"bot": {}, }'],
    ['plain words', 'hello world'],
  ])('%s is reported as not valid JSON, at the root', (_label, text) => {
    expectRefused(importCbExport(text), '', /not valid JSON/);
  });

  it.each([
    ['an array', '[]'],
    ['an array of exports', JSON.stringify([minimalExport()])],
    ['a number', '42'],
    ['null', 'null'],
    ['a string', '"bot"'],
    ['a boolean', 'true'],
  ])('JSON text holding %s is refused: an export is an object', (_label, text) => {
    expectRefused(
      importCbExport(text),
      '',
      /^The file is not a CB export: it holds a JSON value that is not an object\.$/,
    );
  });

  it.each([
    ['an array', []],
    ['a number', 42],
    ['null', null],
    ['a boolean', false],
  ])('a parsed value that is %s is refused: an export is an object', (_label, value) => {
    expectRefused(importCbExport(value), '', /it holds a JSON value that is not an object/);
  });
});

describe('importCbExport checks the bot object', () => {
  it.each(BOTH)('a missing "bot" is reported at /bot (%s)', (_way, run) => {
    const doc = minimalExport();
    delete doc.bot;
    expectRefused(run(doc), '/bot', /^The file is not a CB export: it has no “bot” section\.$/);
  });

  it.each([
    ['an array', []],
    ['a string', 'bot-1'],
    ['null', null],
    ['a number', 7],
  ])('"bot" that is %s must be an object', (_label, bot) => {
    for (const [, run] of BOTH) {
      expectRefused(
        run({ ...minimalExport(), bot }),
        '/bot',
        /: the “bot” section is not an object\.$/,
      );
    }
  });

  it.each([
    ['id', 42],
    ['id', null],
    ['id', { value: 'bot-1' }],
    ['name', 42],
    ['name', null],
    ['name', ['Minimal']],
  ])('bot.%s holding %j must be a string', (key, value) => {
    const doc = minimalExport();
    doc.bot = { id: 'bot-1', name: 'Minimal', [key]: value };
    for (const [, run] of BOTH) {
      expectRefused(run(doc), `/bot/${key}`, new RegExp(`: the bot's “${key}” is not text\\.$`));
    }
  });

  it('a bot without id and name still imports, with no identity to report', () => {
    const doc = minimalExport();
    doc.bot = { language: 'en-US' };
    const { botId, name, content } = imported(importText(doc));
    expect(botId).toBeNull();
    expect(name).toBeNull();
    expect(content.settings).toEqual({ language: 'en-US' });
    // With no bot id nothing is identity, so the entities keep their chatBotId verbatim.
    expect(must(content.dialogs[0], 'content.dialogs[0]').dialog.chatBotId).toBe('bot-1');
  });
});

describe('importCbExport checks dialogs (groups) and interactions (conversationMessage)', () => {
  it.each(['groups', 'conversationMessage'])('a missing "%s" is reported by name', (key) => {
    const doc = minimalExport();
    delete doc[key];
    for (const [, run] of BOTH)
      expectRefused(run(doc), `/${key}`, new RegExp(`: it has no “${key}” section \\(its `));
  });

  it.each([
    ['groups', {}],
    ['groups', 'd1'],
    ['groups', null],
    ['conversationMessage', { m1: {} }],
    ['conversationMessage', 3],
    ['conversationMessage', null],
  ])('"%s" holding %j must be an array', (key, value) => {
    const doc = { ...minimalExport(), [key]: value };
    for (const [, run] of BOTH)
      expectRefused(
        run(doc),
        `/${key}`,
        new RegExp(`: the “${key}” section \\(.*\\) is not a list`),
      );
  });

  it.each([
    ['a string', 'd2'],
    ['null', null],
    ['an array', [{ id: 'd2' }]],
  ])('a dialog that is %s is refused at its index', (_label, entry) => {
    const doc = minimalExport();
    (doc.groups as unknown[]).push(entry);
    expectRefused(importText(doc), '/groups/1', /: dialog 2 in “groups” is not an object\.$/);
  });

  it.each([
    ['no id', { name: 'Nameless' }],
    ['an empty id', { id: '' }],
    ['a numeric id', { id: 2 }],
    ['a null id', { id: null }],
  ])('a dialog with %s is refused at its id', (_label, entry) => {
    const doc = minimalExport();
    (doc.groups as unknown[]).push(entry);
    expectRefused(importText(doc), '/groups/1/id', /: dialog 2 in “groups” has no id\.$/);
  });

  it.each([
    ['a number', 5],
    ['null', null],
    ['an array', ['m3']],
  ])('an interaction that is %s is refused at its index', (_label, entry) => {
    const doc = minimalExport();
    (doc.conversationMessage as unknown[]).push(entry);
    expectRefused(
      importText(doc),
      '/conversationMessage/2',
      /: interaction 3 in “conversationMessage” is not an object\.$/,
    );
  });

  it.each([
    ['no id', { group: 'd1' }],
    ['an empty id', { id: '', group: 'd1' }],
    ['a numeric id', { id: 3, group: 'd1' }],
  ])('an interaction with %s is refused at its id', (_label, entry) => {
    const doc = minimalExport();
    (doc.conversationMessage as unknown[]).push(entry);
    expectRefused(
      importText(doc),
      '/conversationMessage/2/id',
      /: interaction 3 in “conversationMessage” has no id\.$/,
    );
  });

  it('a repeated dialog id is refused at the second occurrence and names the id', () => {
    const doc = minimalExport();
    (doc.groups as unknown[]).push(
      { id: 'd2', name: 'Other' },
      { id: 'd1', name: 'Copy of Welcome' },
    );
    expectRefused(
      importText(doc),
      '/groups/2/id',
      /^The file is not a CB export: dialog 3 in “groups” has the id “d1”, which an earlier dialog has too\.$/,
    );
  });

  it('a repeated interaction id is refused at the second occurrence and names the id', () => {
    const doc = minimalExport();
    (doc.conversationMessage as unknown[]).push({ id: 'm1', group: 'd1', type: 'TEXT' });
    expectRefused(
      importText(doc),
      '/conversationMessage/2/id',
      /interaction 3 in “conversationMessage” has the id “m1”, which an earlier interaction has too/,
    );
  });

  it('an interaction id may equal a dialog id: they are different kinds of entity', () => {
    const doc = minimalExport();
    (doc.conversationMessage as unknown[]).push({ id: 'd1', group: 'd1', type: 'TEXT' });
    const { content } = imported(importText(doc));
    expect(must(content.dialogs[0], 'content.dialogs[0]').interactions.map((m) => m.id)).toEqual([
      'm1',
      'm2',
      'd1',
    ]);
  });

  it('an interaction pointing at a dialog that does not exist is kept, with a warning naming that dialog', () => {
    const doc = minimalExport();
    (doc.conversationMessage as unknown[]).push({ id: 'm3', group: 'ghost-dialog', type: 'TEXT' });
    const back = imported(importText(doc));
    expect(back.warnings).toHaveLength(1);
    expect(back.warnings[0]?.path).toBe('/conversationMessage/2/group');
    expect(back.warnings[0]?.message).toMatch(/"ghost-dialog", which does not exist/);
    expect(back.content.orphans).toEqual([{ id: 'm3', group: 'ghost-dialog', type: 'TEXT' }]);
    expect(exportCbExport(back.content, { id: 'b', name: 'n' }).conversationMessage).toContainEqual(
      expect.objectContaining({ id: 'm3', group: 'ghost-dialog' }),
    );
  });

  it.each([
    ['no group', { id: 'm3' }],
    ['a numeric group', { id: 'm3', group: 1 }],
    ['a null group', { id: 'm3', group: null }],
  ])('an interaction with %s must name its dialog', (_label, entry) => {
    const doc = minimalExport();
    (doc.conversationMessage as unknown[]).push(entry);
    expectRefused(
      importText(doc),
      '/conversationMessage/2/group',
      /interaction 3 in “conversationMessage” does not name its dialog/,
    );
  });
});

describe('importCbExport checks integrations (responder)', () => {
  it.each([
    ['an object', { 'int-1': {} }],
    ['a string', 'int-1'],
    ['null', null],
    ['a number', 0],
  ])('"responder" that is %s must be an array', (_label, responder) => {
    const doc = { ...minimalExport(), responder };
    for (const [, run] of BOTH)
      expectRefused(
        run(doc),
        '/responder',
        /the “responder” section \(its integrations\) is not a list/,
      );
  });

  it('a repeated integration id is refused at the second occurrence and names the id', () => {
    const doc = minimalExport();
    (doc.responder as unknown[]).push({ id: 'int-2' }, { id: 'int-1', name: 'Weather API (copy)' });
    expectRefused(
      importText(doc),
      '/responder/2/id',
      /integration 3 in “responder” has the id “int-1”, which an earlier integration has too/,
    );
  });

  it('an integration that is not an object, or has no id, is refused at its index', () => {
    const notObject = minimalExport();
    (notObject.responder as unknown[]).push('int-2');
    expectRefused(
      importText(notObject),
      '/responder/1',
      /integration 2 in “responder” is not an object/,
    );
    const noId = minimalExport();
    (noId.responder as unknown[]).push({ name: 'Anonymous' });
    expectRefused(importText(noId), '/responder/1/id', /integration 2 in “responder” has no id/);
  });

  it('an export without "responder" imports: integrations are optional', () => {
    const doc = minimalExport();
    delete doc.responder;
    const { content } = imported(importText(doc));
    expect(content.sections).not.toHaveProperty('responder');
    expect(content.dialogs).toHaveLength(1);
  });
});

describe('importCbExport refuses dangerous or non-JSON values with the JSON pointer to them', () => {
  it('a "__proto__" key deep inside an interaction is kept as data and pollutes nothing', () => {
    const text =
      '{"bot":{"id":"bot-1","name":"x"},"groups":[{"id":"d1"}],"conversationMessage":[' +
      '{"id":"m1","group":"d1"},' +
      '{"id":"m2","group":"d1","content":{"results":{"a/b~c":{"list":[1,{"__proto__":{"polluted":true}}]}}}}]}';
    const { content } = imported(importCbExport(text));
    const kept = JSON.stringify(must(content.dialogs[0], 'content.dialogs[0]').interactions[1]);
    expect(kept).toContain('{"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(exportCbExportText(content, { id: 'bot-1', name: 'x' })).toContain('"__proto__"');
  });

  it('the name a bot brings is refused at /bot/name when the database could not store it', () => {
    for (const bad of ['a\u0000b', 'x\ud800'])
      expectRefused(
        importDoc({ ...minimalExport(), bot: { id: 'b', name: bad } }),
        '/bot/name',
        /U\+0000/,
      );
  });
  it('10,000 nested arrays as JSON text are refused at the depth limit without crashing', () => {
    const text = '['.repeat(10_000) + ']'.repeat(10_000);
    let result: Result<ImportedBot> | undefined;
    expect(() => (result = importCbExport(text))).not.toThrow();
    expectRefused(must(result, 'result'), '/0'.repeat(64), /nests deeper than 64 levels/);
  });

  it('deep nesting inside an otherwise valid export is refused at the pointer where it crosses the limit', () => {
    const text =
      '{"bot":{"id":"b","name":"n"},"groups":[],"conversationMessage":[],"deep":' +
      '['.repeat(10_000) +
      ']'.repeat(10_000) +
      '}';
    expectRefused(importCbExport(text), '/deep' + '/0'.repeat(63), /nests deeper than 64 levels/);
  });

  it('a 10,000-level nested object passed directly is refused without overflowing the stack', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10_000; i++) deep = { k: deep };
    const doc = { ...minimalExport(), deep };
    let result: Result<ImportedBot> | undefined;
    expect(() => (result = importCbExport(doc))).not.toThrow();
    expectRefused(must(result, 'result'), '/deep' + '/k'.repeat(63), /nests deeper than 64 levels/);
  });

  it('a cyclic object passed directly is refused instead of looping forever', () => {
    const doc = minimalExport();
    const bot = doc.bot as Record<string, unknown>;
    bot.self = bot;
    expectRefused(importCbExport(doc), '/bot' + '/self'.repeat(63), /nests deeper than 64 levels/);
  });

  it('nesting exactly at the limit imports; one level more is refused (default and custom limits)', () => {
    const nested = (levels: number): unknown => {
      let v: unknown = 'leaf';
      for (let i = 0; i < levels; i++) v = [v];
      return v;
    };
    // The root object is level 1, so 63 nested arrays under it make 64 levels.
    const atLimit = { ...minimalExport(), deep: nested(63) };
    expect(imported(importText(atLimit)).content.sections.deep).toEqual(nested(63));
    expectRefused(
      importText({ ...minimalExport(), deep: nested(64) }),
      '/deep' + '/0'.repeat(63),
      /64 levels/,
    );

    const custom = { bot: { id: 'b' }, groups: [], conversationMessage: [], deep: nested(4) };
    expect(importCbExport(JSON.stringify(custom), { maxDepth: 5 }).ok).toBe(true);
    expectRefused(
      importCbExport(JSON.stringify(custom), { maxDepth: 4 }),
      '/deep/0/0/0',
      /deeper than 4 levels/,
    );
  });

  it('a text larger than maxBytes is refused before it is parsed', () => {
    const text = JSON.stringify(minimalExport());
    expectRefused(
      importCbExport(text, { maxBytes: text.length - 1 }),
      '',
      /larger than the limit/,
      new RegExp(`${text.length - 1} bytes`),
    );
    // Size is checked first: even text that is not JSON gets the size message, not a parse error.
    expectRefused(
      importCbExport('x'.repeat(101), { maxBytes: 100 }),
      '',
      /larger than the limit of 100 bytes/,
    );
    expectRefused(
      importCbExport('x'.repeat(2 * 1024 * 1024 + 1), { maxBytes: 2 * 1024 * 1024 }),
      '',
      /limit of 2 MB/,
    );
  });

  it('a text of exactly maxBytes imports', () => {
    const text = JSON.stringify(minimalExport());
    expect(imported(importCbExport(text, { maxBytes: text.length })).botId).toBe('bot-1');
  });

  it('the size limit counts UTF-8 bytes, so multi-byte text cannot slip past it', () => {
    const doc = minimalExport();
    (doc.bot as JsonObject).name = 'é€'.repeat(100); // 2 and 3 bytes in UTF-8, 1 UTF-16 unit each
    const text = JSON.stringify(doc);
    const bytes = new TextEncoder().encode(text).length;
    expect(bytes).toBeGreaterThan(text.length + 200);
    // The limit sits between the character count and the byte count: the export is too large.
    const result = importCbExport(text, { maxBytes: text.length });
    expectRefused(result, '', /larger than the limit/);
    expect(importCbExport(text, { maxBytes: bytes }).ok).toBe(true);
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('%s inside a parsed object is refused at its pointer', (_label, value) => {
    const doc = minimalExport();
    const m = must(
      (doc.conversationMessage as JsonObject[])[1],
      '(doc.conversationMessage as JsonObject[])[1]',
    );
    objectAt(m.content).delay = value;
    expectRefused(importDoc(doc), '/conversationMessage/1/content/delay', /is not a finite number/);

    const settings = minimalExport();
    (settings.bot as JsonObject).sessionLength = value;
    expectRefused(
      importDoc(settings),
      '/bot/sessionLength',
      /: the bot's “sessionLength” is not a finite number\.$/,
    );
  });

  it('a non-finite number in an unknown top-level key is refused with an escaped pointer', () => {
    const doc = { ...minimalExport(), 'x~y/z': { n: NaN } };
    expectRefused(importDoc(doc), '/x~0y~1z/n', /not a finite number/);
  });

  it.each([
    ['a function', () => 1, /function/],
    ['a bigint', 10n, /bigint/],
    ['a symbol', Symbol('s'), /symbol/],
  ])('%s inside a parsed object is refused as not JSON', (_label, value, kind) => {
    const doc = minimalExport();
    must((doc.groups as JsonObject[])[0], '(doc.groups as JsonObject[])[0]').hook =
      value as unknown as JsonValue;
    expectRefused(importDoc(doc), '/groups/0/hook', kind, /not JSON/);
  });

  it.each([
    ['a Date', new Date(0)],
    ['a Map', new Map([['k', 'v']])],
  ])(
    '%s inside a parsed object is refused instead of being silently turned into {}',
    (_label, value) => {
      const doc = minimalExport();
      (doc.bot as Record<string, unknown>).creationTime = value;
      expectRefused(importDoc(doc), '/bot/creationTime', /not JSON/);
    },
  );
});

describe('importCbExport takes the identity out, exportCbExport writes it back', () => {
  const names = fixtureNames();

  it('there are fixtures to test against: the project fixtures, then the corpus if one is set', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(7);
    expect(names.slice(0, FIXTURES.length)).toEqual(FIXTURES);
  });

  it.each(names)('%s: every identity field is stripped from the content', (name) => {
    const original = parse(readFixture(name));
    const bot = objectAt(original.bot);
    const botId = bot.id as string;
    const {
      content,
      botId: reported,
      name: reportedName,
    } = imported(importCbExport(readFixture(name)));
    expect(reported).toBe(botId);
    expect(reportedName).toBe(bot.name);

    // Settings are the bot object without id and name, and nothing else changed.
    const { id: _id, name: _name, ...settings } = bot;
    expect(content.settings).toEqual(settings);

    // Each entity is the original one minus its identity field: nothing else is lost.
    const strip = (e: JsonObject, key: string) => {
      const { [key]: removed, ...rest } = e;
      expect(removed).toBe(botId); // the fixtures carry the identity everywhere
      return rest;
    };
    expect(content.dialogs.map((d) => d.dialog)).toEqual(
      arrayAt(original.groups).map((g) => strip(g, 'chatBotId')),
    );
    const byId = new Map(arrayAt(original.conversationMessage).map((m) => [m.id, m]));
    for (const m of allInteractions(content))
      expect(m).toEqual(strip(must(byId.get(m.id), 'byId.get(m.id)'), 'chatBotId'));
    expect(allInteractions(content)).toHaveLength(byId.size);
    for (const [section, key] of Object.entries(IDENTITY_KEYS)) {
      if (
        section === 'groups' ||
        section === 'conversationMessage' ||
        original[section] === undefined
      )
        continue;
      const value = must(original[section], 'original[section]');
      const expected = Array.isArray(value)
        ? arrayAt(value).map((e) => strip(e, key))
        : strip(objectAt(value), key);
      expect(content.sections[section]).toEqual(expected);
    }

    // The bot id appears nowhere in the content any more (in the fixtures it only ever is identity).
    expect(readFixture(name)).toContain(botId);
    expect(JSON.stringify(content)).not.toContain(botId);
  });

  it.each(names)(
    '%s: exporting with a new identity writes it into every identity field',
    (name) => {
      const original = parse(readFixture(name));
      const oldId = objectAt(original.bot).id as string;
      const { content } = imported(importCbExport(readFixture(name)));
      const exported = exportCbExport(content, { id: NEW_ID, name: 'Production copy' });

      expect(exported).toEqual(asExportedBy(original, NEW_ID, 'Production copy'));
      expect(Object.keys(exported)).toEqual(Object.keys(original));
      const text = JSON.stringify(exported);
      expect(text).not.toContain(oldId);
      expect(countOccurrences(text, NEW_ID)).toBe(countOccurrences(readFixture(name), oldId));
      expect(objectAt(exported.bot)).toMatchObject({ id: NEW_ID, name: 'Production copy' });
    },
  );

  it('an identity field holding a different bot id is content: kept on import and on export', () => {
    const original = parse(readFixture('concierge.json'));
    const doc = clone(original);
    const botId = objectAt(doc.bot).id as string;
    must(arrayAt(doc.groups)[1], 'arrayAt(doc.groups)[1]').chatBotId = OTHER_BOT;
    must(arrayAt(doc.conversationMessage)[2], 'arrayAt(doc.conversationMessage)[2]').chatBotId =
      OTHER_BOT;
    must(arrayAt(doc.responder)[0], 'arrayAt(doc.responder)[0]').chatbotId = OTHER_BOT;
    must(arrayAt(doc.platforms)[0], 'arrayAt(doc.platforms)[0]').chatbotId = OTHER_BOT;
    must(arrayAt(doc.dialogTemplates)[0], 'arrayAt(doc.dialogTemplates)[0]').botId = OTHER_BOT;
    objectAt(doc.globalFunctions).chatBotId = OTHER_BOT;
    const foreignDialog = must(arrayAt(doc.groups)[1], 'arrayAt(doc.groups)[1]').id;
    const foreignMessage = must(
      arrayAt(doc.conversationMessage)[2],
      'arrayAt(doc.conversationMessage)[2]',
    ).id;

    const { content } = imported(importCbExport(JSON.stringify(doc)));
    expect(
      must(
        content.dialogs.find((d) => d.dialog.id === foreignDialog),
        'content.dialogs.find((d) => d.dialog.id === foreignDialog)',
      ).dialog.chatBotId,
    ).toBe(OTHER_BOT);
    expect(
      must(
        allInteractions(content).find((m) => m.id === foreignMessage),
        'allInteractions(content).find((m) => m.id === foreignMessage)',
      ).chatBotId,
    ).toBe(OTHER_BOT);
    expect(
      must(arrayAt(content.sections.responder)[0], 'arrayAt(content.sections.responder)[0]')
        .chatbotId,
    ).toBe(OTHER_BOT);
    expect(
      must(arrayAt(content.sections.platforms)[0], 'arrayAt(content.sections.platforms)[0]')
        .chatbotId,
    ).toBe(OTHER_BOT);
    expect(
      must(
        arrayAt(content.sections.dialogTemplates)[0],
        'arrayAt(content.sections.dialogTemplates)[0]',
      ).botId,
    ).toBe(OTHER_BOT);
    expect(objectAt(content.sections.globalFunctions).chatBotId).toBe(OTHER_BOT);
    // The entities that carried this bot's own id were still stripped.
    expect(must(content.dialogs[0], 'content.dialogs[0]').dialog).not.toHaveProperty('chatBotId');
    expect(JSON.stringify(content)).not.toContain(botId);

    const exported = exportCbExport(content, { id: NEW_ID, name: 'Copy' });
    expect(must(arrayAt(exported.groups)[1], 'arrayAt(exported.groups)[1]').chatBotId).toBe(
      OTHER_BOT,
    );
    expect(must(arrayAt(exported.groups)[0], 'arrayAt(exported.groups)[0]').chatBotId).toBe(NEW_ID);
    expect(
      must(arrayAt(exported.conversationMessage)[2], 'arrayAt(exported.conversationMessage)[2]')
        .chatBotId,
    ).toBe(OTHER_BOT);
    expect(
      must(arrayAt(exported.conversationMessage)[0], 'arrayAt(exported.conversationMessage)[0]')
        .chatBotId,
    ).toBe(NEW_ID);
    expect(must(arrayAt(exported.responder)[0], 'arrayAt(exported.responder)[0]').chatbotId).toBe(
      OTHER_BOT,
    );
    expect(must(arrayAt(exported.platforms)[0], 'arrayAt(exported.platforms)[0]').chatbotId).toBe(
      OTHER_BOT,
    );
    expect(
      must(arrayAt(exported.dialogTemplates)[0], 'arrayAt(exported.dialogTemplates)[0]').botId,
    ).toBe(OTHER_BOT);
    expect(objectAt(exported.globalFunctions).chatBotId).toBe(OTHER_BOT);
    // Exported under its own identity, the document is exactly what was imported.
    expect(exportCbExport(content, { id: botId, name: objectAt(doc.bot).name as string })).toEqual(
      doc,
    );
  });

  it('unknown top-level keys and unknown keys inside entities survive import and export', () => {
    const original = parse(readFixture('concierge.json'));
    const doc = clone(original);
    objectAt(doc.bot).futureSetting = { mode: 'strict', levels: [1, 2, 3] };
    must(arrayAt(doc.groups)[0], 'arrayAt(doc.groups)[0]').x_dialogFlag = true;
    must(arrayAt(doc.conversationMessage)[3], 'arrayAt(doc.conversationMessage)[3]').x_note = {
      author: 'ana',
      tags: ['a', null, 2.5],
    };
    objectAt(
      must(arrayAt(doc.conversationMessage)[4], 'arrayAt(doc.conversationMessage)[4]').content,
    ).x_extra = 'kept';
    must(arrayAt(doc.responder)[0], 'arrayAt(doc.responder)[0]').x_timeoutMs = 1500;
    objectAt(doc.globalFunctions).x_version = 3;
    doc.ferryUnknownSection = [{ id: 'u1', chatBotId: objectAt(doc.bot).id as string }, 'loose'];
    doc.zzzLast = { nested: { deeper: [{}] } };
    const botId = objectAt(doc.bot).id as string;

    const { content } = imported(importCbExport(JSON.stringify(doc)));
    expect(content.settings.futureSetting).toEqual({ mode: 'strict', levels: [1, 2, 3] });
    expect(must(content.dialogs[0], 'content.dialogs[0]').dialog.x_dialogFlag).toBe(true);
    expect(content.sections.zzzLast).toEqual({ nested: { deeper: [{}] } });
    // A section Ferry does not know is verbatim: nothing in it is treated as identity.
    expect(content.sections.ferryUnknownSection).toEqual([{ id: 'u1', chatBotId: botId }, 'loose']);

    const exported = exportCbExport(content, { id: botId, name: objectAt(doc.bot).name as string });
    expect(exported).toEqual(doc);
    // Known keys keep CB's order; unknown keys follow them in the order they came.
    expect(Object.keys(exported).slice(-2)).toEqual(['ferryUnknownSection', 'zzzLast']);
  });

  it.each(names)('%s: the interleaved order of conversationMessage survives', (name) => {
    const original = parse(readFixture(name));
    const { content, botId } = imported(importCbExport(readFixture(name)));
    const exported = exportCbExport(content, { id: must(botId, 'botId'), name: 'n' });
    expect(arrayAt(exported.conversationMessage).map((m) => m.id)).toEqual(
      arrayAt(original.conversationMessage).map((m) => m.id),
    );
    expect(exported.conversationMessage).toEqual(original.conversationMessage);
  });

  it('the fixtures really interleave dialogs, so the order test above is not vacuous', () => {
    const interleaved = names.filter((name) => {
      const groups = arrayAt(parse(readFixture(name)).conversationMessage).map((m) => m.group);
      const runs = groups.filter((g, i) => i === 0 || g !== groups[i - 1]).length;
      return runs > new Set(groups).size;
    });
    expect(interleaved.length).toBeGreaterThanOrEqual(5);
    for (const name of interleaved) {
      const { content } = imported(importCbExport(readFixture(name)));
      // Grouping interactions dialog by dialog would lose the export order.
      const grouped = content.dialogs.flatMap((d) => d.interactions.map((m) => m.id));
      const flat = arrayAt(parse(readFixture(name)).conversationMessage).map((m) => m.id);
      expect(grouped).not.toEqual(flat);
      expect(content.order).not.toBeNull();
    }
  });

  it('an interleaved order survives a second import of the exported document under another identity', () => {
    const text = readFixture('tile-showcase.json');
    const original = parse(text);
    const first = imported(importCbExport(text)).content;
    const again = imported(
      importCbExport(exportCbExport(first, { id: NEW_ID, name: 'B' })),
    ).content;
    expect(again).toEqual(first);
    const back = exportCbExport(again, {
      id: objectAt(original.bot).id as string,
      name: objectAt(original.bot).name as string,
    });
    expect(back).toEqual(original);
  });

  it.each(names)('%s: the same content from two different bots imports identically', (name) => {
    const original = parse(readFixture(name));
    const elsewhere = asExportedBy(original, OTHER_BOT, 'Staging bot');
    expect(elsewhere).not.toEqual(original);
    const a = imported(importCbExport(readFixture(name)));
    const b = imported(importCbExport(JSON.stringify(elsewhere)));
    expect(a.botId).not.toBe(b.botId);
    expect(a.name).not.toBe(b.name);
    expect(b.content).toEqual(a.content);
    // Byte-identical once serialised, so it is stored once.
    expect(canonicalJson(b.content as unknown as JsonValue)).toBe(
      canonicalJson(a.content as unknown as JsonValue),
    );
  });

  it('an empty automation exports as a valid CB document that imports back with no dialogs', () => {
    const exported = exportCbExport(emptyContent(), { id: 'fresh-bot', name: 'Fresh' });
    expect(exported.bot).toMatchObject({ id: 'fresh-bot', name: 'Fresh' });
    expect(exported.groups).toEqual([]);
    expect(exported.conversationMessage).toEqual([]);

    for (const input of [
      exported,
      exportCbExportText(emptyContent(), { id: 'fresh-bot', name: 'Fresh' }),
    ]) {
      const back = imported(importCbExport(input));
      expect(back.botId).toBe('fresh-bot');
      expect(back.name).toBe('Fresh');
      expect(back.content.dialogs).toHaveLength(0);
      const { format: _format, ...content } = back.content;
      expect(content).toEqual(emptyContent());
    }
  });
});
