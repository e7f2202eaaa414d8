// The conversation simulator on small hand-written bots, one construct at a time (bot code runs in
// @ferry/sandbox's tests, which have the real QuickJS sandbox).
import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { REGEX_INPUT_MAX, matchesPattern } from './cb-patterns.js';
import type { BotContent } from './content.js';
import type { JsonObject } from './json.js';
import { messageText } from './simulator-render.js';
import type { SimulationOptions } from './simulator-types.js';
import {
  CB_DEFAULT_API_FAILURE,
  CB_DEFAULT_FALLBACK,
  simulateConversation,
  simulationCoverage,
} from './simulator.js';
import { simBot, simRule, type SimBotDialog } from './testing.js';

const base: SimulationOptions = { now: () => new Date('2026-01-01T00:00:00Z'), random: () => 0.5 };

function bot(spec: Parameters<typeof simBot>[0]): BotContent {
  const imported = importCbExport(simBot(spec));
  if (!imported.ok) throw new Error(imported.error.message);
  return imported.value.content;
}

const texts = (r: ReturnType<typeof simulateConversation>, turn: number) =>
  (r.turns[turn]?.messages ?? []).map(messageText);

const fallback: SimBotDialog = {
  name: 'Fallback',
  fallback: true,
  interactions: [{ name: 'fallback_text', type: 'TEXT', text: 'Sorry, "{$userMessage}"?' }],
};

describe('CB patterns', () => {
  it.each([
    ['hello', 'hello', true],
    ['hello', 'Hello!', true],
    ['hello', 'HELLO.', true],
    ['hello', 'hello there', false],
    ['*home*', 'going home now', true],
    ['*home*', 'homes', true],
    ['I want a pair of (headphones|earbuds)', 'i want a pair of earbuds', true],
    ['I want a pair of (headphones|earbuds)', 'i want a pair of shoes', false],
    ['(thank(|s)|thank you)*', 'thanks a lot', true],
    ['(thank(|s)|thank you)*', 'thank', true],
    ['good (morning|evening)', 'Good morning!', true],
    ['(hi|hello|hey)*', 'hey there', true],
    ['where is my order', 'Where is my order?', true],
    ['/^order \\d+$/i', 'ORDER 42', true],
    ['/^order \\d+$/i', 'order x', false],
  ])('%s vs %s → %s', (pattern, input, expected) => {
    expect(matchesPattern(pattern, input)).toBe(expected);
  });

  it('names an unbalanced pattern', () => {
    expect(matchesPattern('(hi|hello', 'hi')).toEqual({
      problem: 'The pattern "(hi|hello" leaves a group open.',
    });
  });
});

describe('dialog starters and the fallback', () => {
  const content = bot({
    dialogs: [
      {
        name: 'Welcome',
        interactions: [
          { name: 'welcome_starter', type: 'DIALOG_STARTER', patterns: ['hi', 'hello*'] },
          { name: 'welcome_text', type: 'TEXT', text: 'Welcome!', next: 'none' },
        ],
      },
      {
        name: 'Orders',
        interactions: [
          {
            name: 'orders_starter',
            type: 'DIALOG_STARTER',
            patterns: ['/^[A-Z]{2}-\\d{4}$/'],
            extra: { excludeKeywords: ['cancel'] },
          },
          { name: 'orders_text', type: 'TEXT', text: 'Looking up {$userMessage}.' },
        ],
      },
      fallback,
    ],
  });

  it('starts the dialog whose pattern matches, and says where each turn went', () => {
    const r = simulateConversation(content, base, ['Hello there!', 'AB-1234', 'what?']);
    expect(r.outcome).toBe('completed');
    expect(texts(r, 0)).toEqual(['Welcome!']);
    expect(r.turns[0]?.dialog).toBe('Welcome');
    expect(r.turns[0]?.steps.map((s) => s.interaction)).toEqual([
      'welcome_starter',
      'welcome_text',
    ]);
    expect(texts(r, 1)).toEqual(['Looking up AB-1234.']);
    expect(texts(r, 2)).toEqual(['Sorry, "what?"?']);
    expect(r.turns[2]?.dialog).toBe('Fallback');
  });

  it('lists the dialogs and interactions a set of runs reached, and those it missed', () => {
    const runs = [
      simulateConversation(content, base, ['hi']),
      simulateConversation(content, base, ['what?']),
    ];
    expect(simulationCoverage(content, runs)).toEqual({
      dialogs: { total: 3, reached: ['Welcome', 'Fallback'], missed: ['Orders'] },
      interactions: {
        total: 5,
        reached: [
          'Welcome / welcome_starter',
          'Welcome / welcome_text',
          'Fallback / fallback_text',
        ],
        missed: ['Orders / orders_starter', 'Orders / orders_text'],
      },
    });
  });

  it('does not match bot patterns against text longer than REGEX_INPUT_MAX (inconclusive)', () => {
    const long = 'A'.repeat(REGEX_INPUT_MAX + 1);
    const r = simulateConversation(content, base, [long, 'hi']);
    expect(r.outcome).toBe('inconclusive');
    expect(r.inconclusive).toMatchObject({ construct: 'regex-input', turn: 0 });
    expect(r.notRun).toEqual(['hi']);
    expect(simulateConversation(content, base, ['A'.repeat(REGEX_INPUT_MAX - 10)]).outcome).toBe(
      'completed',
    );
  });

  it('sends CB’s built-in response when the bot has no fallback dialog', () => {
    const noFallback = bot({ dialogs: [{ name: 'Only', interactions: [] }] });
    const r = simulateConversation(noFallback, base, ['anything']);
    expect(texts(r, 0)).toEqual([CB_DEFAULT_FALLBACK]);
    expect(r.turns[0]?.messages[0]?.kind).toBe('default');
  });

  it('is inconclusive when only an intent (NLU) could have matched', () => {
    const intents = bot({
      dialogs: [
        {
          name: 'Billing',
          interactions: [
            { name: 'billing_starter', type: 'DIALOG_STARTER', extra: { intentId: 'x-1' } },
            { name: 'billing_text', type: 'TEXT', text: 'Billing.' },
          ],
        },
        fallback,
      ],
    });
    const r = simulateConversation(intents, base, ['my bill is wrong', 'hi']);
    expect(r.outcome).toBe('inconclusive');
    expect(r.inconclusive).toMatchObject({ construct: 'intent', turn: 0 });
    expect(r.inconclusive?.reason).toContain('"Billing"');
    expect(r.notRun).toEqual(['hi']);
  });
});

describe('next actions', () => {
  const content = bot({
    dialogs: [
      {
        name: 'Main',
        interactions: [
          { name: 'main_starter', type: 'DIALOG_STARTER', patterns: ['go'] },
          { name: 'one', type: 'TEXT', text: 'One.', next: '@three' },
          { name: 'two', type: 'TEXT', text: 'Two (skipped).' },
          { name: 'three', type: 'TEXT', text: 'Three.', next: '#Other' },
        ],
      },
      {
        name: 'Other',
        interactions: [
          { name: 'other_text', type: 'TEXT', text: 'Other dialog.', next: 'close_dialog' },
          { name: 'never', type: 'TEXT', text: 'Never sent.' },
        ],
      },
      {
        name: 'Bye',
        interactions: [
          { name: 'bye_starter', type: 'DIALOG_STARTER', patterns: ['bye'] },
          { name: 'bye_text', type: 'TEXT', text: 'Bye.', next: 'close_conversation' },
        ],
      },
      {
        name: 'Broken',
        interactions: [
          { name: 'broken_starter', type: 'DIALOG_STARTER', patterns: ['broken'] },
          { name: 'broken_text', type: 'TEXT', text: 'Jumping.', next: '@nowhere' },
        ],
      },
    ],
  });

  it('follows an interaction id, a dialog, and closes the dialog', () => {
    const r = simulateConversation(content, base, ['go', 'go again']);
    expect(texts(r, 0)).toEqual(['One.', 'Three.', 'Other dialog.']);
    expect(r.turns[0]?.dialog).toBe('Other');
    expect(r.outcome).toBe('closed');
    expect(r.turns[0]?.closedBy).toBe('close_dialog');
    expect(r.notRun).toEqual(['go again']);
  });

  it('closes the conversation', () => {
    const r = simulateConversation(content, base, ['bye']);
    expect(r).toMatchObject({ outcome: 'closed', turns: [{ closedBy: 'close_conversation' }] });
    expect(texts(r, 0)).toEqual(['Bye.']);
  });

  it('is inconclusive on a link to nothing', () => {
    const r = simulateConversation(content, base, ['broken']);
    expect(r.inconclusive).toMatchObject({ construct: 'link', interaction: 'broken_text' });
    expect(texts(r, 0)).toEqual(['Jumping.']);
  });

  it('never sends BLANK_MESSAGE, and closes on LP_CLOSEDIALOG without showing it', () => {
    const quiet = bot({
      dialogs: [
        {
          name: 'Quiet',
          interactions: [
            { name: 'quiet_starter', type: 'DIALOG_STARTER', patterns: ['quiet'] },
            { name: 'blank', type: 'TEXT', text: 'BLANK_MESSAGE' },
            { name: 'said', type: 'TEXT', text: 'Only this.' },
            { name: 'closer', type: 'TEXT', text: 'LP_CLOSEDIALOG' },
            { name: 'after', type: 'TEXT', text: 'Never sent.' },
          ],
        },
      ],
    });
    const r = simulateConversation(quiet, base, ['quiet']);
    expect(texts(r, 0)).toEqual(['Only this.']);
    expect(r).toMatchObject({ outcome: 'closed', turns: [{ closedBy: 'close_dialog' }] });
  });

  it('stops a loop', () => {
    const loop = bot({
      dialogs: [
        {
          name: 'Loop',
          interactions: [
            { name: 'loop_starter', type: 'DIALOG_STARTER', patterns: ['loop'] },
            { name: 'a', type: 'TEXT', text: 'A', next: '@b' },
            { name: 'b', type: 'TEXT', text: 'B', next: '@a' },
          ],
        },
      ],
    });
    const r = simulateConversation(loop, { ...base, maxInteractionsPerTurn: 10 }, ['loop']);
    expect(r.inconclusive?.construct).toBe('loop');
  });
});

describe('questions', () => {
  const content = bot({
    dialogs: [
      {
        name: 'Order',
        interactions: [
          { name: 'order_starter', type: 'DIALOG_STARTER', patterns: ['order'] },
          {
            name: 'ask_number',
            type: 'TEXT_QUESTION',
            text: 'Your order number?',
            rules: [
              simRule.regex('^[0-9]{4}$', 'next', {
                contextDataVariables: [{ name: 'orderNumber', value: '{$userMessage}' }],
              }),
              simRule.pattern(['*agent*'], '@agent'),
              simRule.noMatch('Four digits, please.', '@ask_number'),
            ],
          },
          {
            name: 'confirm',
            type: 'QUICK_REPLY',
            text: 'Order {$botContext.orderNumber} in {$env.REGION}. Right?',
            rules: [simRule.pattern(['yes', 'y'], 'next'), simRule.pattern(['no'], '@ask_number')],
            extra: {
              quickReplies: [
                { type: 'text', title: 'Yes', payload: 'yes' },
                { type: 'text', title: 'No', payload: 'no' },
              ],
            },
          },
          { name: 'done', type: 'TEXT', text: 'Done.', next: 'none' },
          { name: 'agent', type: 'TEXT', text: 'An agent will call.', next: 'none' },
        ],
      },
      {
        name: 'Hours',
        interactions: [
          { name: 'hours_starter', type: 'DIALOG_STARTER', patterns: ['hours'] },
          { name: 'hours_text', type: 'TEXT', text: 'We open at 9.' },
        ],
      },
      fallback,
    ],
  });
  const options = { ...base, env: { REGION: 'EU' } };

  it('waits for the answer, sets rule variables and fills placeholders', () => {
    const r = simulateConversation(content, options, ['order', '1234', 'yes']);
    expect(texts(r, 0)).toEqual(['Your order number?']);
    expect(r.turns[0]?.interaction).toBe('ask_number');
    expect(texts(r, 1)).toEqual(['Order 1234 in EU. Right?\nYes\nNo']);
    expect(r.turns[1]?.messages[0]).toMatchObject({
      kind: 'quickReplies',
      quickReplies: [
        { label: 'Yes', value: 'yes' },
        { label: 'No', value: 'no' },
      ],
    });
    expect(r.turns[1]?.variablesSet).toEqual({ orderNumber: '1234' });
    expect(texts(r, 2)).toEqual(['Done.']);
    expect(r.variables).toEqual({ orderNumber: '1234' });
  });

  it('sends the No Match message and repeats the question', () => {
    const r = simulateConversation(content, options, ['order', 'hours', 'my agent please']);
    // A No Match rule prevents context switching: "hours" does not start the Hours dialog.
    expect(texts(r, 1)).toEqual(['Four digits, please.', 'Your order number?']);
    expect(texts(r, 2)).toEqual(['An agent will call.']);
  });

  it('switches context without a No Match rule and comes back to the question', () => {
    const r = simulateConversation(content, options, ['order', '1234', 'hours', 'maybe', 'y']);
    expect(texts(r, 2)).toEqual(['We open at 9.', 'Order 1234 in EU. Right?\nYes\nNo']);
    expect(r.turns[2]?.dialog).toBe('Order');
    // Nothing matches "maybe": the fallback runs, then the question is asked again.
    expect(texts(r, 3)).toEqual(['Sorry, "maybe"?', 'Order 1234 in EU. Right?\nYes\nNo']);
    expect(texts(r, 4)).toEqual(['Done.']);
  });

  it('starts every run from fresh state', () => {
    simulateConversation(content, options, ['order', '1234']);
    const r = simulateConversation(content, options, ['order', '5678', 'no']);
    expect(r.turns[1]?.messages[0]?.text).toBe('Order 5678 in EU. Right?');
    expect(r.variables).toEqual({ orderNumber: '5678' });
  });

  it('matches multiple-choice options by text, number and letter', () => {
    const choices = bot({
      dialogs: [
        {
          name: 'Menu',
          interactions: [
            { name: 'menu_starter', type: 'DIALOG_STARTER', patterns: ['menu'] },
            {
              name: 'pick',
              type: 'MULTIPLE_CHOICE_QUESTION',
              text: 'Pick one',
              rules: [
                simRule.option('Coffee', '@coffee'),
                simRule.option('Tea', '@tea'),
                simRule.noMatch('Pick 1 or 2.', '@pick'),
              ],
              extra: {
                content: {
                  contentType: 'STATIC',
                  results: {
                    type: 'MULTIPLE_CHOICE_QUESTION',
                    tile: {
                      tileData: [
                        {
                          text: 'Pick one',
                          multipleChoice: { multipleChoices: ['Coffee', 'Tea'] },
                          buttons: [],
                        },
                      ],
                    },
                  },
                },
              },
            },
            { name: 'coffee', type: 'TEXT', text: 'Coffee it is.', next: 'none' },
            { name: 'tea', type: 'TEXT', text: 'Tea it is.', next: 'none' },
          ],
        },
      ],
    });
    const run = (answer: string) => texts(simulateConversation(choices, base, ['menu', answer]), 1);
    expect(run('coffee')).toEqual(['Coffee it is.']);
    expect(run('2')).toEqual(['Tea it is.']);
    expect(run('b')).toEqual(['Tea it is.']); // no textStyle: numbers and letters
    expect(run('3')).toEqual(['Pick 1 or 2.', 'Pick one\nCoffee\nTea']);
  });

  it('applies variable conditions on variables and on the user message', () => {
    const gated = (contextConditions: JsonObject[], type = 'ALL') =>
      bot({
        dialogs: [
          {
            name: 'Gate',
            interactions: [
              { name: 'gate_starter', type: 'DIALOG_STARTER', patterns: ['gate'] },
              {
                name: 'ask',
                type: 'TEXT_QUESTION',
                text: 'Code?',
                rules: [
                  simRule.pattern(['*'], '@vip', {
                    contextConditions,
                    contextMatchConditionType: type,
                  }),
                  simRule.pattern(['*'], '@plain'),
                ],
              },
              { name: 'vip', type: 'TEXT', text: 'VIP.', next: 'none' },
              { name: 'plain', type: 'TEXT', text: 'Plain.', next: 'none' },
            ],
          },
        ],
      });
    const env = { ...base, env: { TIER: 'gold' } };
    const onMessage = gated([
      { contextDataVariableName: '{$userMessage}', conditionType: 'CONTAINS', value: 'gold' },
    ]);
    expect(texts(simulateConversation(onMessage, env, ['gate', 'GOLD-1']), 1)).toEqual(['VIP.']);
    expect(texts(simulateConversation(onMessage, env, ['gate', 'x']), 1)).toEqual(['Plain.']);
    const onEnv = gated([
      { contextDataVariableName: '{$env.TIER}', conditionType: 'EQUALS', value: 'gold' },
      { contextDataVariableName: 'nothingSet', conditionType: 'IS_EMPTY' },
    ]);
    expect(texts(simulateConversation(onEnv, env, ['gate', 'x']), 1)).toEqual(['VIP.']);
    const unknown = gated([{ contextDataVariableName: 'x', conditionType: 'SOUNDS_LIKE' }]);
    expect(simulateConversation(unknown, env, ['gate', 'x']).inconclusive).toMatchObject({
      construct: 'contextCondition:SOUNDS_LIKE',
      interaction: 'ask',
    });
  });
});

describe('integrations and escalation', () => {
  const content = bot({
    integrations: [
      {
        id: 'r-1',
        name: 'Parcels',
        responseDataVariable: 'Parcels',
        integrationType: 'API',
        customDataFields: [
          { key: 'id', value: '{$.api_Parcels.parcels[i].id}' },
          { key: 'owner', value: '{$.api_Parcels.owner.name}' },
        ],
      },
      {
        id: 'r-2',
        name: 'ToAgent',
        integrationType: 'LPAGENT_TRANSFER',
        messageToUser: 'Connecting you, {$botContext.who}.',
        agentSkillId: '{$env.SKILL}',
      },
    ],
    dialogs: [
      {
        name: 'Track',
        interactions: [
          { name: 'track_starter', type: 'DIALOG_STARTER', patterns: ['track'] },
          {
            name: 'lookup',
            type: 'API_INTEGRATION',
            rules: [simRule.api('success', 'next'), simRule.api('failure', '@sorry')],
            extra: {
              content: { contentType: 'DYNAMIC', responderName: 'Parcels', responderId: 'r-1' },
            },
          },
          {
            name: 'choose',
            type: 'BUTTON',
            text: 'Parcels of {Parcels.owner}:',
            rules: [simRule.pattern(['*'], '@agent')],
            extra: {
              content: {
                contentType: 'STATIC',
                results: {
                  type: 'BUTTON',
                  tile: {
                    tileData: [
                      {
                        text: 'Parcels of {Parcels.owner}:',
                        buttons: [
                          { name: '{Parcels.id}', type: 'postback', callback: '{Parcels.id}' },
                          { name: 'Help', type: 'web_url', callback: 'https://help.example' },
                        ],
                      },
                    ],
                  },
                },
              },
            },
          },
          { name: 'sorry', type: 'TEXT', text: 'Not found.', next: 'none' },
          {
            name: 'agent',
            type: 'API_INTEGRATION',
            extra: {
              content: { contentType: 'DYNAMIC', responderName: 'ToAgent', responderId: 'r-2' },
              preProcessMessage: '',
            },
          },
        ],
      },
    ],
  });
  const body = { owner: { name: 'Ann' }, parcels: [{ id: 'P1' }, { id: 'P2' }] };

  it('answers from the fixture through custom data fields, iterating [i]', () => {
    const r = simulateConversation(
      content,
      { ...base, env: { SKILL: '77' }, fixtures: { integrations: { Parcels: { body } } } },
      ['track', 'P2'],
    );
    expect(r.turns[0]?.messages[0]).toMatchObject({
      kind: 'buttons',
      text: 'Parcels of Ann:',
      buttons: [
        { label: 'P1', kind: 'postback', value: 'P1' },
        { label: 'P2', kind: 'postback', value: 'P2' },
        { label: 'Help', kind: 'link', value: 'https://help.example' },
      ],
    });
    expect(r.turns[0]?.variablesSet).toMatchObject({
      'Parcels.id': '["P1","P2"]',
      'Parcels.owner': 'Ann',
      api_ParcelsStatus: '200',
    });
    // The escalation's message counts as sent; the conversation leaves the bot.
    expect(r.outcome).toBe('escalated');
    expect(r.turns[1]).toMatchObject({
      outcome: 'escalated',
      escalation: { skill: '77', agentId: null },
      messages: [{ kind: 'escalation', text: 'Connecting you, .' }],
    });
  });

  it('follows the failure rule, and sends CB’s default without one', () => {
    const failing = { ...base, fixtures: { integrations: { Parcels: { status: 404, body: {} } } } };
    expect(texts(simulateConversation(content, failing, ['track']), 0)).toEqual(['Not found.']);
    const noRules = bot({
      integrations: [{ id: 'r-1', name: 'Parcels', integrationType: 'API' }],
      dialogs: [
        {
          name: 'T',
          interactions: [
            { name: 't_starter', type: 'DIALOG_STARTER', patterns: ['t'] },
            {
              name: 'call',
              type: 'API_INTEGRATION',
              rules: [],
              extra: { content: { contentType: 'DYNAMIC', responderId: 'r-1' } },
            },
          ],
        },
      ],
    });
    expect(texts(simulateConversation(noRules, failing, ['t']), 0)).toEqual([
      CB_DEFAULT_API_FAILURE,
    ]);
  });

  it('escalates from an Agent Transfer interaction, its text counting as sent', () => {
    const transfer = bot({
      dialogs: [
        {
          name: 'Agent',
          interactions: [
            { name: 'agent_starter', type: 'DIALOG_STARTER', patterns: ['agent'] },
            {
              name: 'transfer',
              type: 'AGENT_TRANSFER',
              text: 'Hold on, {$userMessage}.',
              extra: { agentSkillId: '12' },
            },
            { name: 'after', type: 'TEXT', text: 'Never sent.' },
          ],
        },
      ],
    });
    const r = simulateConversation(transfer, base, ['agent', 'hello?']);
    expect(r).toMatchObject({
      outcome: 'escalated',
      notRun: ['hello?'],
      turns: [{ escalation: { skill: '12' }, dialog: 'Agent', interaction: 'transfer' }],
    });
    expect(r.turns[0]?.messages).toMatchObject([{ kind: 'escalation', text: 'Hold on, agent.' }]);
  });

  it('is inconclusive, never passed, when an integration has no fixture', () => {
    const r = simulateConversation(
      content,
      { ...base, fixtures: { integrations: { constructor: { body: {} } } } },
      ['track', 'P1'],
    );
    expect(r.outcome).toBe('inconclusive');
    expect(r.inconclusive).toMatchObject({
      construct: 'integration:Parcels',
      interaction: 'lookup',
      dialog: 'Track',
      turn: 0,
    });
  });
});

describe('bot code without a sandbox', () => {
  it('is inconclusive, naming the code', () => {
    const content = bot({
      dialogs: [
        {
          name: 'W',
          interactions: [
            { name: 'w_starter', type: 'DIALOG_STARTER', patterns: ['hi'] },
            {
              name: 'w_text',
              type: 'TEXT',
              text: 'Hi',
              extra: { preProcessMessage: "botContext.setBotVariable('a', 1, true, false);" },
            },
          ],
        },
      ],
    });
    const r = simulateConversation(content, base, ['hi']);
    expect(r.inconclusive).toMatchObject({ construct: 'code', interaction: 'w_text' });
    expect(r.inconclusive?.reason).toContain('pre-process code of "w_text"');
  });
});
