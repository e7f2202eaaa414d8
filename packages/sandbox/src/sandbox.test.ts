// The QuickJS sandbox on its own and under the simulator: bot code runs with the botContext shim,
// inside time and memory limits, without any of the host's globals, and an unimplemented botContext
// method makes the step inconclusive even when the bot code catches the error.
import {
  importCbExport,
  messageText,
  simulateConversation,
  type BotContent,
  type CodeSandbox,
  type JsonValue,
  type SandboxRun,
  type SimulationOptions,
} from '@ferry/core';
import { simBot, simRule } from '@ferry/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createQuickJsSandbox } from './index.js';

let sandbox: CodeSandbox;
beforeAll(async () => {
  sandbox = await createQuickJsSandbox({ timeLimitMs: 300, memoryLimitBytes: 8 * 1024 * 1024 });
});

const options = (): SimulationOptions => ({
  sandbox,
  now: () => new Date('2026-03-04T05:06:07Z'),
  random: () => 0.25,
  env: { BRAND: 'Acme' },
});

/** A run whose botContext records calls and answers getBotVariable from `vars`. */
function hostRun(code: string, vars: Record<string, JsonValue> = {}) {
  const calls: [string, JsonValue[]][] = [];
  const run: SandboxRun = {
    label: 'test code',
    globalFunctions: null,
    code,
    call: (method, args) => {
      calls.push([method, args]);
      if (method === 'getBotVariable') return { ok: true, value: vars[String(args[0])] ?? null };
      if (method === 'setBotVariable') {
        vars[String(args[0])] = args[1] ?? null;
        return { ok: true, value: undefined };
      }
      return { ok: false, unimplemented: method };
    },
    now: () => Date.UTC(2026, 2, 4, 5, 6, 7),
    random: () => 0.25,
  };
  return { run, calls, vars };
}

describe('the QuickJS sandbox', () => {
  it('gives bot code botContext, the injected clock and randomness, and nothing of the host', () => {
    const { run, vars } = hostRun(
      `
      botContext.setBotVariable('globals', [typeof process, typeof require, typeof fetch,
        typeof setTimeout, typeof __ferryHost, typeof globalThis.global].join(','), true, false);
      botContext.setBotVariable('now', new Date().toISOString() + ' ' + Date.now(), true, false);
      botContext.setBotVariable('random', Math.random(), true, false);
      botcontext.setBotVariable('same', botContext.getBotVariable('seed') + 1, true, false);
    `,
      { seed: 41 },
    );
    expect(sandbox.run(run)).toEqual({ ok: true });
    expect(vars.globals).toBe('undefined,undefined,undefined,undefined,undefined,undefined');
    expect(vars.now).toBe(`2026-03-04T05:06:07.000Z ${Date.UTC(2026, 2, 4, 5, 6, 7)}`);
    expect(vars.random).toBe(0.25);
    expect(vars.same).toBe(42);
  });

  it('interrupts an infinite loop at the time limit', () => {
    const { run } = hostRun('while (true) {}');
    expect(sandbox.run(run)).toEqual({
      ok: false,
      kind: 'timeout',
      message: 'stopped after 300 ms',
    });
  });

  it('stops code that allocates past the memory limit', async () => {
    const { run } = hostRun(
      'var keep = []; while (true) keep.push({ x: [1, 2, 3, 4, 5, 6, 7, 8] });',
    );
    const roomy = await createQuickJsSandbox({ timeLimitMs: 10_000, memoryLimitBytes: 4 << 20 });
    expect(roomy.run(run)).toEqual({ ok: false, kind: 'memory', message: 'over 4 MiB' });
  });

  it('reports what bot code throws, and the run after it starts clean', () => {
    const { run } = hostRun("globalThis.leak = 1; throw new TypeError('bad input');");
    expect(sandbox.run(run)).toEqual({ ok: false, kind: 'error', message: 'TypeError: bad input' });
    const next = hostRun("botContext.setBotVariable('leak', typeof leak, true, false);");
    expect(sandbox.run(next.run)).toEqual({ ok: true });
    expect(next.vars.leak).toBe('undefined');
  });

  it('throws inside bot code for a method the host lacks', () => {
    const { run, calls } = hostRun("botContext.getLPEngagementAttribute('campaignId');");
    expect(sandbox.run(run)).toEqual({
      ok: false,
      kind: 'error',
      message: "Error: botContext.getLPEngagementAttribute is not available in Ferry's simulator",
    });
    expect(calls).toEqual([['getLPEngagementAttribute', ['campaignId']]]);
  });
});

function bot(spec: Parameters<typeof simBot>[0]): BotContent {
  const imported = importCbExport(simBot(spec));
  if (!imported.ok) throw new Error(imported.error.message);
  return imported.value.content;
}

describe('the simulator running bot code', () => {
  const globalFunctions = `
    function setVar(name, value) { botContext.setBotVariable(name, value, true, false); }
    function __initConversation() { setVar('brand', botContext.getEnvVariable('BRAND')); }
  `;
  const content = bot({
    globalFunctions,
    dialogs: [
      {
        name: 'Welcome',
        interactions: [
          {
            name: 'welcome_starter',
            type: 'DIALOG_STARTER',
            patterns: ['hi'],
            extra: {
              preProcessMessage:
                "if (botContext.getBotVariable('seen') === 'yes') botContext.setTriggerNextMessage('again');\nsetVar('seen', 'yes');",
            },
          },
          {
            name: 'welcome_text',
            type: 'TEXT',
            text: 'Welcome to {$botContext.brand}!',
            extra: {
              preProcessMessage: "botContext.printDebugMessage('greeting');",
              postProcessMessage: "setVar('greeted', 'true');",
            },
          },
          {
            name: 'ask_name',
            type: 'TEXT_QUESTION',
            text: 'Your name?',
            rules: [simRule.pattern(['*'], 'next')],
            extra: {
              processUserResponse:
                "var n = botContext.getCurrentUserMessage().trim();\nif (n === 'admin') botContext.setTriggerNextMessage('refuse');\nelse setVar('name', n);",
            },
          },
          { name: 'hello_name', type: 'TEXT', text: 'Hello {$botContext.name}.', next: 'none' },
          {
            name: 'refuse',
            type: 'TEXT',
            text: 'placeholder',
            next: 'none',
            extra: { preProcessMessage: "botContext.setMessage('Not that name.');" },
          },
          {
            name: 'again',
            type: 'TEXT',
            text: 'Welcome back.',
            next: 'none',
            extra: { preProcessMessage: "botContext.sendMessage('(from code) hi again');" },
          },
        ],
      },
      {
        name: 'Odd',
        interactions: [
          { name: 'odd_starter', type: 'DIALOG_STARTER', patterns: ['odd'] },
          {
            name: 'odd_text',
            type: 'TEXT',
            text: 'Odd.',
            extra: {
              preProcessMessage:
                "try { botContext.getLPEngagementAttribute('campaignId'); } catch (e) {}",
            },
          },
        ],
      },
      {
        name: 'Spin',
        interactions: [
          { name: 'spin_starter', type: 'DIALOG_STARTER', patterns: ['spin'] },
          {
            name: 'spin_text',
            type: 'TEXT',
            text: 'Spin.',
            extra: { preProcessMessage: 'for (;;) {}' },
          },
        ],
      },
      {
        name: 'Oops',
        interactions: [
          { name: 'oops_starter', type: 'DIALOG_STARTER', patterns: ['oops'] },
          {
            name: 'oops_text',
            type: 'TEXT',
            text: 'Still sent.',
            extra: { preProcessMessage: 'nope();' },
          },
        ],
      },
    ],
  });
  const texts = (r: ReturnType<typeof simulateConversation>, t: number) =>
    (r.turns[t]?.messages ?? []).map(messageText);

  it('runs global functions, pre-, post- and process-user-response code with the shim', () => {
    const r = simulateConversation(content, options(), ['hi', 'Ann', 'hi']);
    expect(texts(r, 0)).toEqual(['Welcome to Acme!', 'Your name?']);
    expect(r.turns[0]?.debug).toContain('greeting');
    expect(r.turns[0]?.variablesSet).toMatchObject({ brand: 'Acme', seen: 'yes', greeted: 'true' });
    expect(texts(r, 1)).toEqual(['Hello Ann.']);
    expect(r.variables.name).toBe('Ann');
    // setTriggerNextMessage in the starter's pre-process code jumps to "again".
    expect(texts(r, 2)).toEqual(['(from code) hi again', 'Welcome back.']);
    expect(r.turns[2]?.steps.map((s) => s.interaction)).toEqual(['welcome_starter', 'again']);
  });

  it('lets process-user-response code redirect, and setMessage replace the text', () => {
    const r = simulateConversation(content, options(), ['hi', 'admin']);
    expect(texts(r, 1)).toEqual(['Not that name.']);
    expect(r.turns[1]?.interaction).toBe('refuse');
  });

  it('makes an unimplemented botContext method inconclusive, even when the code catches it', () => {
    const r = simulateConversation(content, options(), ['odd']);
    expect(r.outcome).toBe('inconclusive');
    expect(r.inconclusive).toMatchObject({
      construct: 'botContext.getLPEngagementAttribute',
      interaction: 'odd_text',
      dialog: 'Odd',
    });
  });

  it('makes setTriggerNextMessage to a name no interaction has inconclusive', () => {
    const dangling = bot({
      dialogs: [
        {
          name: 'D',
          interactions: [
            {
              name: 'd_starter',
              type: 'DIALOG_STARTER',
              patterns: ['go'],
              extra: {
                preProcessMessage: "botContext.setTriggerNextMessage('Returning Customer');",
              },
            },
            { name: 'd_text', type: 'TEXT', text: 'Hi.' },
          ],
        },
      ],
    });
    const r = simulateConversation(dangling, options(), ['go']);
    expect(r.inconclusive).toMatchObject({
      construct: 'setTriggerNextMessage',
      interaction: 'd_starter',
    });
    expect(r.inconclusive?.reason).toContain('"Returning Customer"');
  });

  it('makes code past the time limit inconclusive', () => {
    const r = simulateConversation(content, options(), ['spin']);
    expect(r.inconclusive).toMatchObject({
      construct: 'sandbox:timeout',
      interaction: 'spin_text',
    });
  });

  it('goes on after bot code throws, as CB does, and reports the error', () => {
    const r = simulateConversation(content, options(), ['oops']);
    expect(r.outcome).toBe('completed');
    expect(texts(r, 0)).toEqual(['Still sent.']);
    expect(r.turns[0]?.codeErrors).toEqual([
      'pre-process code of "oops_text": ReferenceError: \'nope\' is not defined',
    ]);
  });

  it('runs an integration’s transform script on the fixture before the custom data fields', () => {
    const withApi = bot({
      integrations: [
        {
          id: 'r-1',
          name: 'Stock',
          responseDataVariable: 'Stock',
          integrationType: 'API',
          transformResultsScript:
            "var r = botContext.getBotVariable('api_Stock');\nvar d = JSON.parse(r.jsonData).api_Stock;\nd.count = d.items.length;\nr.jsonData = JSON.stringify({ api_Stock: d });\nbotContext.setBotVariable('api_Stock', r, true, false);",
          customDataFields: [{ key: 'count', value: '{$.api_Stock.count}' }],
        },
      ],
      dialogs: [
        {
          name: 'S',
          interactions: [
            { name: 's_starter', type: 'DIALOG_STARTER', patterns: ['stock'] },
            {
              name: 'call',
              type: 'API_INTEGRATION',
              rules: [simRule.api('success', 'next')],
              extra: { content: { contentType: 'DYNAMIC', responderId: 'r-1' } },
            },
            { name: 'count', type: 'TEXT', text: '{Stock.count} items.', next: 'none' },
          ],
        },
      ],
    });
    const r = simulateConversation(
      withApi,
      { ...options(), fixtures: { integrations: { Stock: { body: { items: [1, 2, 3] } } } } },
      ['stock'],
    );
    expect(texts(r, 0)).toEqual(['3 items.']);
  });
});
