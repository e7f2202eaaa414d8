// Content-addressed sync: only what the server lacks is sent, and a tree is accepted only when a
// plain import of the same export would have been, storing the same tree.
import { gzipSync } from 'node:zlib';
import {
  createSnapshotter,
  exportCbExportText,
  importCbExport,
  must,
  pushTree,
  type BotContent,
  type JsonObject,
  type Snapshotter,
} from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../security.js';
import {
  FIXTURES,
  createTestApi,
  failure,
  fixture,
  testDatabaseKinds,
  type ApiCaller,
  type TestApi,
} from '../test-support/harness.js';
import { storedCounts, countContent } from '../env-index.js';

type Caller = ApiCaller;

const pack = (texts: readonly string[]) => gzipSync(texts.join('\n')).toString('base64');

/** The client's half, as the CLI and the web UI run it: hash locally, send what is lacking. */
function remoteOf(caller: Caller, sent: { bytes: number; nodes: number }) {
  return {
    missing: async (hashes: readonly string[]) =>
      (await caller.sync.missing({ hashes: [...hashes] })).missing,
    upload: async (nodes: readonly { hash: string; text: string }[]) => {
      const data = pack(nodes.map((n) => n.text));
      sent.bytes += data.length;
      sent.nodes += nodes.length;
      await caller.sync.upload({ hashes: nodes.map((n) => n.hash), data });
    },
  };
}

async function pushContent(caller: Caller, build: (snap: Snapshotter) => string) {
  const snap = createSnapshotter(sha256);
  const root = build(snap);
  const sent = { bytes: 0, nodes: 0 };
  const stats = await pushTree(snap.store, root, remoteOf(caller, sent));
  return { root, sent, stats };
}

async function syncExport(
  caller: Caller,
  document: string | JsonObject,
  target: { into?: string; name?: string; baseRevision?: number } = {},
) {
  const parsed = importCbExport(document);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const { root, sent, stats } = await pushContent(caller, (s) => s.write(parsed.value.content));
  const result = await caller.sync.commit({ root, botName: parsed.value.name, ...target });
  return { root, sent, stats, result };
}

const rootOf = async (api: TestApi, id: string) =>
  (await api.as('viewer').automations.show({ automation: id })).root;

const contentOf = async (api: TestApi, id: string): Promise<BotContent> =>
  (await api.as('viewer').automations.content({ automation: id })).content;

function bigBot(seed: number): JsonObject {
  return generateBotExport({ seed, dialogs: 40, interactionsPerDialog: 25 });
}

function changeOne(doc: JsonObject, text: string): JsonObject {
  const copy = structuredClone(doc);
  const messages = copy.conversationMessage as JsonObject[];
  const m = must(messages[Math.floor(messages.length / 2)], 'a message');
  m.content = { ...(m.content as JsonObject), text };
  return copy;
}

describe.each(testDatabaseKinds())('content-addressed sync on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  it('stores exactly the tree a plain import stores, for every fixture', async () => {
    for (const name of FIXTURES) {
      const text = fixture(name);
      const plain = await api.as('editor').automations.import({ document: text });
      const synced = await syncExport(api.as('editor'), text);
      expect([name, synced.result.created, synced.result.counts]).toEqual([
        name,
        true,
        plain.counts,
      ]);
      expect([name, synced.root]).toEqual([name, await rootOf(api, plain.id)]);
      expect(synced.result.name).toBe(`${plain.name} (2)`);
    }
  });

  it('sends only the changed nodes of a one-change import --into, and exports byte-equal', async () => {
    const editor = api.as('editor');
    const doc = bigBot(7);
    const a = await editor.automations.import({ document: doc, name: 'Sync target' });
    const b = await editor.automations.import({ document: doc, name: 'Plain target' });
    const changed = changeOne(doc, 'Hello {$env.SYNC_ONLY_VAR}, this changed.');

    const synced = await syncExport(editor, changed, { into: a.id, baseRevision: a.revision });
    const plain = await editor.automations.import({ document: changed, into: b.id });

    // One interaction, its list chunk(s), its dialog node, the dialog list chunk and the root.
    expect(synced.sent.nodes).toBeLessThanOrEqual(8);
    // A few KB, against an export of about 1.4 MB.
    expect(synced.sent.bytes).toBeLessThan(10_000);
    expect(synced.sent.bytes * 100).toBeLessThan(JSON.stringify(changed).length);
    expect(synced.stats.rounds).toBeLessThanOrEqual(8);
    expect(synced.result).toMatchObject({
      created: false,
      revision: a.revision + 1,
      counts: plain.counts,
      backup: { name: 'Before import' },
    });
    expect(synced.root).toBe(await rootOf(api, b.id));
    const identity = { id: 'same-id', name: 'same-name' };
    expect(exportCbExportText(await contentOf(api, a.id), identity)).toBe(
      exportCbExportText(await contentOf(api, b.id), identity),
    );
    // The variable counts follow the change (the upgrade check reads them).
    const counts = await storedCounts(api.database.db, synced.root);
    const reparsed = importCbExport(changed);
    if (!reparsed.ok) throw new Error(reparsed.error.message);
    expect(counts).toEqual(countContent(reparsed.value.content));
    expect(counts?.SYNC_ONLY_VAR).toBe(1);

    const audit = await api.as('admin').audit.list({ automation: a.id });
    expect(audit.entries[0]).toMatchObject({
      action: 'automation.import',
      details: { into: true, sync: true },
    });
  });

  it('sends nothing when the server already holds the tree (another user imported it)', async () => {
    const doc = bigBot(8);
    await api.as('admin').automations.import({ document: doc, name: 'Admin copy' });
    const target = await api.as('editor').automations.create({ name: 'Editor copy' });
    const synced = await syncExport(api.as('editor'), doc, { into: target.id });
    expect(synced.sent.nodes).toBe(0);
    expect(synced.stats.rounds).toBe(1);
    expect(synced.result.counts.interactions).toBe(1000);
  });

  it('commits a change with its new nodes and saves it as a version, in one request', async () => {
    const editor = api.as('editor');
    const doc = bigBot(10);
    const a = await editor.automations.import({ document: doc, name: 'One request' });
    const parsed = importCbExport(changeOne(doc, 'Changed, sent with the commit.'));
    if (!parsed.ok) throw new Error(parsed.error.message);
    const snap = createSnapshotter(sha256);
    const root = snap.write(parsed.value.content);
    // What the old tree lacks: the client's index knows it (here: what the server lacks).
    const lacking = new Set(
      (await editor.sync.missing({ hashes: [...snap.store.nodes.keys()] })).missing,
    );
    const nodes = [...snap.store.nodes].filter(([h]) => lacking.has(h));
    expect(nodes.length).toBeLessThanOrEqual(8);
    const result = await editor.sync.commit({
      root,
      into: a.id,
      baseRevision: a.revision,
      nodes: { hashes: nodes.map(([h]) => h), data: pack(nodes.map(([, t]) => t)) },
      save: 'From CB, build 7',
    });
    expect(result).toMatchObject({
      revision: a.revision + 1,
      backup: { name: 'Before import' },
      version: { name: 'From CB, build 7', contentHash: root },
    });
    const versions = await editor.versions.list({ automation: a.id });
    expect(versions[0]).toMatchObject({ number: result.version?.number, contentHash: root });
    expect(await rootOf(api, a.id)).toBe(root);

    // A node neither sent nor held: refused, naming it (the CLI then offers the whole tree).
    const again = importCbExport(changeOne(doc, 'Changed again, one node short.'));
    if (!again.ok) throw new Error(again.error.message);
    const short = createSnapshotter(sha256);
    const shortRoot = short.write(again.value.content);
    const missing = (await editor.sync.missing({ hashes: [...short.store.nodes.keys()] })).missing;
    const sent = missing.filter((h) => h !== shortRoot);
    const err = await failure(
      editor.sync.commit({
        root: shortRoot,
        into: a.id,
        nodes: { hashes: sent, data: pack(sent.map((h) => must(short.store.get(h), 'n'))) },
        save: 'never',
      }),
    );
    expect(err).toMatchObject({ code: 'VALIDATION', details: { missingNode: shortRoot } });
    expect(await rootOf(api, a.id)).toBe(root);
    expect((await editor.versions.list({ automation: a.id })).length).toBe(versions.length);
  });

  it('refuses a stale revision as a conflict and writes nothing', async () => {
    const doc = bigBot(9);
    const a = await api.as('editor').automations.import({ document: doc, name: 'Stale' });
    const before = await rootOf(api, a.id);
    const err = await failure(
      syncExport(api.as('editor'), changeOne(doc, 'x'), { into: a.id, baseRevision: 99 }),
    );
    expect(err.code).toBe('CONFLICT');
    expect(await rootOf(api, a.id)).toBe(before);
  });

  it('lets only editors sync', async () => {
    for (const role of ['viewer', 'release-acceptor'] as const) {
      const caller = api.as(role);
      expect((await failure(caller.sync.missing({ hashes: [] }))).code).toBe('FORBIDDEN');
      expect((await failure(caller.sync.upload({ hashes: [], data: '' }))).code).toBe('FORBIDDEN');
      expect((await failure(caller.sync.commit({ root: '0'.repeat(64) }))).code).toBe('FORBIDDEN');
    }
  });

  describe('crafted uploads and trees', () => {
    const editor = () => api.as('editor');
    const nodeCount = async () => (await api.as('admin').admin.verify()).nodes;

    const commitContent = async (content: BotContent, into?: string) => {
      const { root } = await pushContent(editor(), (s) => s.write(content));
      return failure(editor().sync.commit({ root, ...(into !== undefined && { into }) }));
    };
    const contentOfFixture = (name: string): BotContent => {
      const parsed = importCbExport(fixture(name));
      if (!parsed.ok) throw new Error(name);
      return structuredClone(parsed.value.content);
    };

    it('refuses a node whose hash is not the one named, storing none of the batch', async () => {
      const good = '{"a":1}';
      const before = await nodeCount();
      const err = await failure(
        editor().sync.upload({
          hashes: [sha256(good), sha256('{"b":2}')],
          data: pack([good, '{"b":3}']),
        }),
      );
      expect(err).toMatchObject({ code: 'VALIDATION', path: 'hashes.1' });
      expect(err.message).toContain(`hashes to ${sha256('{"b":3}')}`);
      expect(await nodeCount()).toBe(before);
    });

    it('refuses nodes that are not as Ferry writes them, and data that is not gzip', async () => {
      for (const text of [
        // Whitespace outside strings, in either form; the exact-text mark on a text JSON.stringify
        // writes the same (an entity in its own key order, '{"b":1,"a":2}', is a node as written).
        '{ "a": 1 }',
        ' {"a": 1.0}',
        ' {"b":1,"a":2}',
        'not json',
        '['.repeat(70) + ']'.repeat(70),
      ]) {
        const err = await failure(
          editor().sync.upload({ hashes: [sha256(text)], data: pack([text]) }),
        );
        expect([text, err.code, err.path]).toEqual([text, 'VALIDATION', 'hashes.0']);
      }
      const err = await failure(editor().sync.upload({ hashes: [], data: 'AAAA' }));
      expect(err).toMatchObject({ code: 'VALIDATION', path: 'data' });
    });

    it('refuses a root whose nodes were not all uploaded', async () => {
      const content = contentOfFixture('returns-desk.json');
      content.settings = { ...content.settings, description: 'never uploaded whole' };
      const snap = createSnapshotter(sha256);
      const root = snap.write(content);
      // Upload the root only.
      await editor().sync.upload({ hashes: [root], data: pack([must(snap.store.get(root), 'r')]) });
      const err = await failure(editor().sync.commit({ root }));
      expect(err).toMatchObject({ code: 'VALIDATION', path: 'root' });
      expect(err.message).toMatch(/refers to node [0-9a-f]{64}, which the server does not hold/);
      // A root never uploaded at all.
      const none = await failure(editor().sync.commit({ root: sha256('{"never":1}') }));
      expect(none.message).toContain('which the server does not hold');
    });

    it('refuses invalid entities with the path a plain import names', async () => {
      const c = contentOfFixture('returns-desk.json');
      const d0 = must(c.dialogs[0], 'dialog');
      must(d0.interactions[0], 'i').group = 'no-such-dialog';
      const wrongGroup = await commitContent(c);
      expect(wrongGroup).toMatchObject({
        code: 'VALIDATION',
        path: 'document/conversationMessage/0/group',
      });
      expect(wrongGroup.message).toBe(
        'The file is not a CB export: interaction 1 in “conversationMessage” points at dialog “no-such-dialog”, which does not exist.',
      );

      const c2 = contentOfFixture('returns-desk.json');
      must(c2.dialogs[1], 'd').dialog = { id: '', name: 'no id' };
      c2.order = null;
      expect(await commitContent(c2)).toMatchObject({
        code: 'VALIDATION',
        path: 'document/groups/1/id',
      });

      const c3 = contentOfFixture('returns-desk.json');
      c3.settings = { ...c3.settings, name: 'sneaked in' };
      expect((await commitContent(c3)).message).toContain('"id" or "name"');

      const c4 = contentOfFixture('returns-desk.json');
      c4.sections.responder = { not: 'a list' };
      expect(await commitContent(c4)).toMatchObject({ path: 'document/responder' });
    });

    it('refuses duplicate ids made by combining two accepted subtrees', async () => {
      // Two accepted bots whose dialogs hold an interaction with the same id.
      const a = contentOfFixture('returns-desk.json');
      const b = contentOfFixture('returns-desk.json');
      const renamed = (d: BotContent['dialogs'][number], suffix: string) => {
        const id = `${String(d.dialog.id)}${suffix}`;
        return {
          dialog: { ...d.dialog, id },
          interactions: d.interactions.map((i) => ({ ...i, group: id })),
        };
      };
      b.dialogs = b.dialogs.map((d) => renamed(d, '-b'));
      b.order = null;
      a.order = null;
      for (const content of [a, b]) {
        const { root } = await pushContent(editor(), (s) => s.write(content));
        await editor().sync.commit({ root });
      }
      // A tree whose dialog list takes one dialog node from each: every node is on the server
      // (each subtree was accepted), only the new root and dialog list are uploaded.
      const crafted: BotContent = {
        ...a,
        dialogs: [must(a.dialogs[0], 'a0'), renamed(must(a.dialogs[0], 'a0'), '-b')],
      };
      const err = await commitContent(crafted);
      expect(err.code).toBe('VALIDATION');
      expect(err.message).toMatch(
        /^The file is not a CB export: interaction \d+ in “conversationMessage” has the id “[^”]+”, which an earlier interaction has too\.$/,
      );

      const twice: BotContent = {
        ...a,
        dialogs: [must(a.dialogs[0], 'a0'), must(a.dialogs[0], 'a0')],
      };
      expect(await commitContent(twice)).toMatchObject({
        path: 'document/groups/1/id',
        message: `The file is not a CB export: dialog 2 in “groups” has the id “${String(must(a.dialogs[0], 'a0').dialog.id)}”, which an earlier dialog has too.`,
      });

      // The same crafted tree as an import --into an automation holding one half: still refused.
      const holder = await editor().automations.create({ name: 'Holds half' });
      const { root: half } = await pushContent(editor(), (s) =>
        s.write({ ...a, dialogs: [must(a.dialogs[0], 'a0')] }),
      );
      await editor().sync.commit({ root: half, into: holder.id });
      expect((await commitContent(crafted, holder.id)).message).toMatch(
        /which an earlier interaction has too/,
      );
    });

    it('refuses malformed structure nodes and lists not chunked as Ferry chunks them', async () => {
      const entity = '{"id":"x"}';
      const upload = (texts: string[]) =>
        editor().sync.upload({ hashes: texts.map(sha256), data: pack(texts) });
      await upload([entity]);
      const badRoot = `{"dialogs":"${sha256(entity)}","v":1}`;
      await upload([badRoot]);
      expect((await failure(editor().sync.commit({ root: sha256(badRoot) }))).message).toContain(
        'root node',
      );

      // A two-entry dialog list cut into two chunks (Ferry keeps up to 64 entries in one node).
      const c = contentOfFixture('returns-desk.json');
      const snap = createSnapshotter(sha256);
      const good = snap.write(c);
      const r = snap.root(good);
      const entries = snap.lists.load(r.dialogs).levels[0]?.flatMap((ch) => ch.items) ?? [];
      const leafs = entries.map((e) => `{"i":[[${JSON.stringify(e.id)},"${e.hash}"]],"l":0}`);
      const top = `{"i":[${leafs.map((l) => `"${sha256(l)}"`).join(',')}],"l":1}`;
      const rootText = must(
        snap.store.get(snap.putValue({ ...r, dialogs: sha256(top) } as never)),
        'root',
      );
      await pushTree(snap.store, good, remoteOf(editor(), { bytes: 0, nodes: 0 }));
      await upload([...leafs, top, rootText]);
      const err = await failure(editor().sync.commit({ root: sha256(rootText) }));
      expect(err.message).toContain('is not chunked the way Ferry writes lists');
    });
  });
});
