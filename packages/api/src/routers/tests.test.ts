// Conversation tests (issue 15): suites stored per automation (YAML or JSON, mistakes by path), runs
// on the project's CB exports with coverage, and the release gate (frozen suite, blocked upgrade,
// forcing by an allowed role, audited), on PGlite and PostgreSQL.
import { simBot, simRule } from '@ferry/core/testing';
import { FIXTURES, fixture, suiteFor } from '@ferry/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';
import { TEST_BUDGET_MS } from '../test-run.js';

const HELLO = fixture('hello-minimal.json');
const greets = (expected: string) =>
  `tests:\n  - name: greets\n    steps:\n      - user: hi\n        expect:\n          - contains: ${expected}\n          - dialog: Welcome\n`;

describe.each(testDatabaseKinds())('conversation tests on %s', (kind) => {
  let api: TestApi;
  let n = 0;
  const unique = (label: string) => `${label} ${++n}`;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  const importBot = (text = HELLO) =>
    api.as('release-creator').automations.import({ document: text, name: unique('Bot') });

  it('stores a suite per automation, shows it, and audits the change', async () => {
    const bot = await importBot();
    expect((await api.as('viewer').tests.show({ automation: bot.id })).suite).toBeNull();
    const set = await api.as('editor').tests.set({ automation: bot.id, text: greets('Hello') });
    expect(set.tests).toEqual([{ name: 'greets', steps: 1 }]);
    const shown = await api.as('viewer').tests.show({ automation: bot.id });
    expect(shown.suite?.text).toBe(greets('Hello'));
    expect(shown.suite?.suite.tests[0]?.steps[0]?.expect).toEqual([
      { contains: 'Hello' },
      { dialog: 'Welcome' },
    ]);
    const audit = await api.as('admin').audit.list({ automation: bot.id, action: 'tests.set' });
    expect(audit.entries[0]).toMatchObject({ actor: 'editor', details: { tests: 1 } });
    expect(
      await failure(api.as('viewer').tests.set({ automation: bot.id, text: greets('x') })),
    ).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses a malformed suite with the path of each mistake, storing nothing', async () => {
    const bot = await importBot();
    const bad = JSON.stringify({
      tests: [{ name: 'a', steps: [{ user: 'hi', expect: [{ dialog: 'W' }, { contians: 'x' }] }] }],
    });
    const refused = await failure(api.as('editor').tests.set({ automation: bot.id, text: bad }));
    expect(refused).toMatchObject({ code: 'VALIDATION', path: 'tests[0].steps[0].expect[1]' });
    expect(refused.message).toMatch(/^tests\[0\]\.steps\[0\]\.expect\[1\]: /);
    expect(
      await failure(
        api.as('editor').tests.set({
          automation: bot.id,
          text: 'tests:\n  - name: a\n    steps:\n      - user: hi\n        expect:\n          - contains: x\n            dialog: y\n',
        }),
      ),
    ).toMatchObject({ code: 'VALIDATION', path: 'tests[0].steps[0].expect[0]' });
    expect(
      await failure(api.as('editor').tests.set({ automation: bot.id, text: 'tests: [\n' })),
    ).toMatchObject({ code: 'VALIDATION' });
    const dup =
      'tests:\n  - name: a\n    steps: [{user: hi}]\n  - name: A\n    steps: [{user: hi}]\n';
    expect(
      await failure(api.as('editor').tests.set({ automation: bot.id, text: dup })),
    ).toMatchObject({ code: 'VALIDATION', path: 'tests[1].name' });
    expect((await api.as('viewer').tests.show({ automation: bot.id })).suite).toBeNull();
  });

  it.each(FIXTURES)('runs the suite written for %s, with coverage by name', async (name) => {
    const bot = await importBot(fixture(name));
    await api.as('editor').tests.set({ automation: bot.id, text: suiteFor(name).text });
    const run = await api.as('viewer').tests.run({ automation: bot.id });
    // card-services starts its dialogs by intent: the simulator cannot tell, so never "passed".
    const expected = name === 'card-services.json' ? 'inconclusive' : 'passed';
    expect(run.tests.map((t) => [t.name, t.status])).toEqual(
      run.tests.map((t) => [t.name, expected]),
    );
    expect(run.status).toBe(expected);
    expect(run.coverage.dialogs.total).toBe(
      run.coverage.dialogs.reached.length + run.coverage.dialogs.missed.length,
    );
    if (expected === 'passed') expect(run.coverage.dialogs.reached.length).toBeGreaterThan(0);
    else expect(run.tests[0]?.inconclusive?.construct).toBe('intent');
  });

  it('runs with the environment’s values under the test’s own, integration fixtures, variables and outcomes', async () => {
    const doc = simBot({
      integrations: [
        {
          id: 'r-1',
          name: 'Parcels',
          responseDataVariable: 'Parcels',
          integrationType: 'API',
          customDataFields: [{ key: 'owner', value: '{$.api_Parcels.owner.name}' }],
        },
        {
          id: 'r-2',
          name: 'ToAgent',
          integrationType: 'LPAGENT_TRANSFER',
          messageToUser: 'Connecting you to an agent.',
        },
      ],
      dialogs: [
        {
          name: 'Hours',
          interactions: [
            { name: 'hours_starter', type: 'DIALOG_STARTER', patterns: ['hours'] },
            { name: 'hours_text', type: 'TEXT', text: 'Open {$env.HOURS}, key {$env.KEY}.' },
          ],
        },
        {
          name: 'Track',
          interactions: [
            { name: 'track_starter', type: 'DIALOG_STARTER', patterns: ['track'] },
            {
              name: 'lookup',
              type: 'API_INTEGRATION',
              rules: [simRule.api('success', 'next')],
              extra: {
                content: { contentType: 'DYNAMIC', responderName: 'Parcels', responderId: 'r-1' },
              },
            },
            {
              name: 'owner',
              type: 'TEXT_QUESTION',
              text: 'Parcels of {Parcels.owner}. Agent?',
              rules: [simRule.pattern(['yes'], '@agent')],
            },
            {
              name: 'agent',
              type: 'API_INTEGRATION',
              extra: {
                content: { contentType: 'DYNAMIC', responderName: 'ToAgent', responderId: 'r-2' },
              },
            },
          ],
        },
      ],
    });
    const bot = await importBot(JSON.stringify(doc));
    const env = unique('Env');
    await api.as('admin').environments.create({ name: env });
    await api.as('admin').environments.set({
      environment: env,
      variables: [
        { key: 'HOURS', value: '9-5' },
        { key: 'KEY', value: 's3cret', secret: true },
      ],
    });
    await api.as('admin').environments.link({ automation: bot.id, environment: env });
    const suite = `tests:
  - name: hours from the environment, the secret masked
    steps:
      - user: hours
        expect: [{ contains: Open 9-5 }, { notContains: s3cret }, { dialog: Hours }]
  - name: hours of this test
    env: { HOURS: 8-4 }
    steps:
      - user: hours
        expect: [{ contains: Open 8-4 }]
  - name: tracks and escalates
    integrations: { Parcels: { status: 200, body: { owner: { name: Ann } } } }
    steps:
      - user: track
        expect:
          - contains: Parcels of Ann
          - interaction: owner
          - variable: Parcels.owner
            equals: Ann
      - user: 'yes'
        expect: [{ contains: Connecting you }, { outcome: escalated }]
  - name: no fixture
    steps:
      - user: track
        expect: [{ contains: Parcels }]
`;
    const run = await api.as('viewer').tests.run({ automation: bot.id, text: suite });
    expect(run.tests.map((t) => [t.name, t.status])).toEqual([
      ['hours from the environment, the secret masked', 'passed'],
      ['hours of this test', 'passed'],
      ['tracks and escalates', 'passed'],
      ['no fixture', 'inconclusive'],
    ]);
    expect(run.tests[3]?.inconclusive).toMatchObject({ construct: 'integration:Parcels', step: 0 });
    expect(run.status).toBe('inconclusive');
    expect(run.coverage.interactions.missed).toEqual([]);
  });

  it('stops a run and a chat stuck in a catastrophic bot regex as inconclusive, still answering others', async () => {
    // A super-linear regex on an answer under core's REGEX_INPUT_MAX: hours of backtracking in the
    // regex engine, which cannot be interrupted; only terminating the run's worker ends it.
    const doc = simBot({
      dialogs: [
        {
          name: 'Ask',
          interactions: [
            { name: 'ask_starter', type: 'DIALOG_STARTER', patterns: ['ask'] },
            {
              name: 'question',
              type: 'TEXT_QUESTION',
              text: 'Say a few a.',
              rules: [simRule.regex('^(a+)+$', 'next')],
            },
            { name: 'thanks', type: 'TEXT', text: 'Thanks.' },
          ],
        },
      ],
    });
    const bot = await importBot(JSON.stringify(doc));
    const evil = 'a'.repeat(40) + 'b';
    const suite = `tests:
  - name: asks
    steps:
      - user: ask
        expect: [{ contains: Say a few }]
  - name: stuck
    steps:
      - user: ask
      - user: ${evil}
        expect: [{ contains: Thanks }]
  - name: after
    steps:
      - user: ask
        expect: [{ contains: Say a few }]
`;
    await api.as('editor').tests.set({ automation: bot.id, text: suite });
    // A test's budget of 1 s (the services' testBudgetMs) rather than the default, so that each
    // stuck worker burns a core for 2 s, not 6; the default is the 5 s the README promises.
    expect(TEST_BUDGET_MS).toBe(5_000);
    const budget = { testBudgetMs: 1_000 };
    const running = api.as('viewer', budget).tests.run({ automation: bot.id });
    const chatting = api
      .as('viewer', budget)
      .tests.chat({ automation: bot.id, messages: ['ask', evil] });
    // The server still answers while both are stuck.
    const shown = await api.as('viewer').tests.show({ automation: bot.id });
    expect(shown.suite?.suite.tests.map((t) => t.name)).toEqual(['asks', 'stuck', 'after']);
    const run = await running;
    expect(run.status).toBe('inconclusive');
    expect(run.tests.map((t) => [t.name, t.status])).toEqual([
      ['asks', 'passed'],
      ['stuck', 'inconclusive'],
      ['after', 'inconclusive'],
    ]);
    expect(run.tests[1]?.inconclusive).toMatchObject({ construct: 'time-budget' });
    expect(run.tests[1]?.inconclusive?.reason).toMatch(/^Stopped after 1 s/);
    expect(run.tests[2]?.inconclusive?.reason).toMatch(/^Not run: the run was stopped/);
    const chat = await chatting;
    expect(chat.outcome).toBe('inconclusive');
    expect(chat.inconclusive).toMatchObject({ construct: 'time-budget' });
    expect(chat.inconclusive?.reason).toMatch(/^Stopped after 1 s/);
  });

  it('reports a failure with its transcript, runs a version, a file, and env values', async () => {
    const bot = await importBot();
    await api.as('editor').tests.set({ automation: bot.id, text: greets('Goodbye') });
    const failed = await api.as('viewer').tests.run({ automation: bot.id });
    expect(failed.status).toBe('failed');
    const t = failed.tests[0];
    expect(t?.failures[0]).toMatchObject({ step: 0, expectation: 0 });
    expect(t?.failures[0]?.message).toContain('expected the bot to say "Goodbye"');
    expect(t?.transcript?.[0]).toMatchObject({ user: 'hi', dialog: 'Welcome' });
    expect(t?.transcript?.[0]?.bot).toContain('Hello!');
    const passed = await api
      .as('viewer')
      .tests.run({ automation: bot.id, text: greets('only says hello') });
    expect(passed.status).toBe('passed');
    expect(passed.coverage.dialogs.reached).toEqual(['Welcome']);
    expect(passed.coverage.dialogs.missed).toEqual(['Fallback']);
    expect(
      await failure(api.as('viewer').tests.run({ automation: bot.id, version: '9' })),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'version' });
    expect(
      await failure(api.as('viewer').tests.run({ automation: bot.id, env: 'nowhere' })),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'env' });
    const saved = await api.as('editor').versions.save({ automation: bot.id, name: 'v' });
    const onVersion = await api
      .as('viewer')
      .tests.run({ automation: bot.id, version: String(saved.number), text: greets('Hello') });
    expect(onVersion).toMatchObject({ status: 'passed', version: { number: saved.number } });
  });

  it('chats with any version from fresh state, records it as a test, and saves it in the suite', async () => {
    const bot = await importBot(fixture('tile-showcase.json'));
    const chat = await api
      .as('viewer')
      .tests.chat({ automation: bot.id, messages: ['hi'], name: 'menu' });
    expect(chat.turns[0]).toMatchObject({ user: 'hi', dialog: '00 Menu' });
    expect(chat.turns[0]?.bot).toContain('four sections');
    expect(chat.recorded).toContain('name: menu');
    // What was recorded passes when run.
    const rerun = await api.as('viewer').tests.run({ automation: bot.id, text: chat.recorded });
    expect(rerun.status).toBe('passed');

    // Save as test appends to the stored YAML, keeping its comments; a viewer may not.
    await api.as('editor').tests.set({
      automation: bot.id,
      text: `# kept\n${suiteFor('tile-showcase.json').text}`,
    });
    expect(
      await failure(
        api.as('viewer').tests.append({ automation: bot.id, messages: ['hi'], name: 'x' }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
    const saved = await api
      .as('editor')
      .tests.append({ automation: bot.id, messages: ['hi'], name: 'menu again' });
    expect(saved).toMatchObject({ test: { name: 'menu again', steps: 1 }, tests: 2 });
    const shown = await api.as('viewer').tests.show({ automation: bot.id });
    expect(shown.suite?.text).toMatch(/^# kept\n/);
    expect(shown.suite?.suite.tests.map((t) => t.name)).toEqual([
      'offers the four sections',
      'menu again',
    ]);
    expect((await api.as('viewer').tests.run({ automation: bot.id })).status).toBe('passed');
    // The same name again is refused naming it, and nothing changes.
    expect(
      await failure(
        api.as('editor').tests.append({ automation: bot.id, messages: ['hi'], name: 'Menu again' }),
      ),
    ).toMatchObject({ code: 'VALIDATION', path: 'tests[2].name' });
    // A JSON suite stays JSON.
    const json = await importBot();
    await api
      .as('editor')
      .tests.set({ automation: json.id, text: suiteFor('hello-minimal.json').text });
    await api.as('editor').tests.append({ automation: json.id, messages: ['hi'], name: 'again' });
    const jsonText = (await api.as('viewer').tests.show({ automation: json.id })).suite?.text ?? '';
    expect((JSON.parse(jsonText) as { tests: unknown[] }).tests).toHaveLength(2);
    expect(
      await failure(api.as('viewer').tests.chat({ automation: bot.id, messages: [] })),
    ).toMatchObject({ code: 'VALIDATION', path: 'messages' });
  });

  it('blocks an upgrade whose frozen suite fails; an admin may force it (audited)', async () => {
    const prod = await importBot();
    const dev = await importBot();
    // The suite expects a greeting the release does not have: it fails on the release content.
    await api.as('editor').tests.set({ automation: dev.id, text: greets('Welcome aboard') });
    const release = await api
      .as('release-creator')
      .releases.create({ source: dev.id, target: prod.id, version: '1.0.0' });
    // Changing the source's suite after the release does not change the frozen one.
    await api.as('editor').tests.set({ automation: dev.id, text: greets('Hello') });
    const shown = await api.as('release-acceptor').releases.show({ release: release.id });
    expect(shown.tests.suite).toBe(true);
    expect(shown.tests.blocking).toEqual([{ name: 'greets', status: 'failed' }]);
    expect(shown.canUpgrade).toBe(false);
    expect(shown.blockers.join(' ')).toContain('"greets" (failed)');
    const refused = await failure(api.as('release-acceptor').releases.upgrade({ target: prod.id }));
    expect(refused).toMatchObject({
      code: 'PRECONDITION_FAILED',
      path: 'tests',
      details: { reason: 'TESTS_FAILED', failing: [{ name: 'greets', status: 'failed' }] },
    });
    // An acceptor may not force past failing tests; an admin may, and the audit says so.
    expect(
      (await failure(api.as('release-acceptor').releases.upgrade({ target: prod.id, force: true })))
        .message,
    ).toContain('may not force');
    const done = await api.as('admin').releases.upgrade({ target: prod.id, force: true });
    expect(done.forcedPastTests).toEqual([{ name: 'greets', status: 'failed' }]);
    const audit = await api
      .as('admin')
      .audit.list({ automation: prod.id, action: 'release.upgrade' });
    expect(audit.entries[0]?.details).toMatchObject({
      forced: true,
      forcedPastTests: [{ name: 'greets', status: 'failed' }],
    });
  });

  it('lets a passing suite through and reports tests that change outcome', async () => {
    const prod = await importBot(fixture('concierge.json'));
    const dev = await importBot();
    await api.as('editor').tests.set({ automation: dev.id, text: greets('Hello') });
    await api
      .as('release-creator')
      .releases.create({ source: dev.id, target: prod.id, version: '1.0.0' });
    const shown = await api.as('release-acceptor').releases.show({ target: prod.id });
    expect(shown.tests.run?.status).toBe('passed');
    expect(shown.tests.changes).toEqual([{ name: 'greets', before: 'failed', after: 'passed' }]);
    expect(shown.canUpgrade).toBe(true);
    const done = await api.as('release-acceptor').releases.upgrade({ target: prod.id });
    expect(done.forcedPastTests).toEqual([]);
  });
});
