// The simulator with the QuickJS sandbox on every CB export in packages/fixtures (and the
// FERRY_CB_CORPUS exports when set): "hi" and every literal starter pattern run without throwing,
// and whatever is not simulated is reported as inconclusive with its name. Then a walk through
// each project fixture that pins down what the bot says.
import {
  importCbExport,
  messageText,
  simulateConversation,
  type BotContent,
  type CodeSandbox,
  type IntegrationFixture,
  type SimulationOptions,
  type SimulationResult,
} from '@ferry/core';
import { allFixtures, fixture } from '@ferry/fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import { createQuickJsSandbox } from './index.js';

let sandbox: CodeSandbox;
beforeAll(async () => {
  sandbox = await createQuickJsSandbox();
});

function load(name: string): BotContent {
  const imported = importCbExport(fixture(name));
  if (!imported.ok) throw new Error(`${name}: ${imported.error.message}`);
  return imported.value.content;
}

const options = (extra: Partial<SimulationOptions> = {}): SimulationOptions => ({
  sandbox,
  now: () => new Date('2026-05-01T10:00:00Z'),
  random: () => 0.5,
  ...extra,
});

const texts = (r: SimulationResult, turn: number) =>
  (r.turns[turn]?.messages ?? []).map(messageText);

/** The run is whole: inconclusive only with a named construct and a reason. */
function expectWellFormed(r: SimulationResult, turns: number) {
  expect(r.turns.length + r.notRun.length).toBe(turns);
  if (r.outcome === 'inconclusive') {
    expect(r.inconclusive?.construct).toMatch(/\S/);
    expect(r.inconclusive?.reason).toMatch(/\S/);
  } else expect(r.inconclusive).toBeUndefined();
}

describe.each(allFixtures())('%s', (name) => {
  it('answers "hi" and every literal starter pattern, or names what it cannot simulate', () => {
    const content = load(name);
    const everyIntegration: Record<string, IntegrationFixture> = {};
    for (const r of (content.sections.responder ?? []) as { name?: unknown }[])
      if (typeof r.name === 'string') everyIntegration[r.name] = { status: 200, body: {} };
    const first = simulateConversation(content, options(), ['hi']);
    expectWellFormed(first, 1);
    expect(first.turns).toHaveLength(1);
    const literal = content.dialogs
      .flatMap((d) => d.interactions)
      .flatMap((i) => (Array.isArray(i.pattern) ? i.pattern : []))
      .filter((p): p is string => typeof p === 'string' && !/[*|()/]/.test(p));
    for (const pattern of literal) {
      const r = simulateConversation(
        content,
        options({ fixtures: { integrations: everyIntegration } }),
        ['hi', pattern],
      );
      expectWellFormed(r, 2);
    }
  });
});

describe('walks through the project fixtures', () => {
  it('hello-minimal greets and falls back', () => {
    const r = simulateConversation(load('hello-minimal.json'), options(), ['Hi!', 'weather?']);
    expect(texts(r, 0)).toEqual(['Hello! This bot only says hello.']);
    expect(r.turns[0]?.dialog).toBe('Welcome');
    expect(texts(r, 1)).toEqual(['Say "hello".']);
    expect(r.turns[1]?.dialog).toBe('Fallback');
  });

  it('order-tracker looks the order up, offers its parcels and checks the choice in code', () => {
    const body = {
      parcels: [
        { id: 'PX-1', carrier: 'DHL', eta: 'Monday' },
        { id: 'PX-2', carrier: 'UPS', eta: 'Tuesday' },
      ],
    };
    const run = (turns: string[]) =>
      simulateConversation(
        load('order-tracker.json'),
        options({
          env: { ORDER_API_HOST: 'api.example', ORDER_TRACKING_URL: 'https://t.example' },
          fixtures: { integrations: { OrderLookup: { status: 200, body } } },
        }),
        turns,
      );
    const r = run(['track', 'nope', 'AB-123456', 'PX-2']);
    expect(texts(r, 0)).toEqual([
      'What is your order number? You will find it in the confirmation email.',
    ]);
    expect(texts(r, 1)).toEqual([
      'Order numbers look like AB-123456.',
      'What is your order number? You will find it in the confirmation email.',
    ]);
    expect(r.turns[2]?.messages[0]).toMatchObject({
      text: 'Your order travels in 2 parcels. Which one shall we follow?',
      buttons: [
        { label: 'PX-1', value: 'PX-1' },
        { label: 'PX-2', value: 'PX-2' },
      ],
    });
    expect(r.turns[2]?.debug).toContain('parcels: 2');
    // The transform script pointed each parcel at the tracking page.
    expect(r.turns[2]?.variablesSet['OrderLookup.trackingUrl']).toBe(
      '["https://t.example/PX-1","https://t.example/PX-2"]',
    );
    expect(r.turns[3]?.messages.map((m) => m.kind)).toEqual(['card', 'card']);
    expect(r.turns[3]?.messages[0]).toMatchObject({
      title: 'DHL: parcel PX-1',
      image: 'https://api.example/static/parcel.png',
      buttons: [
        { label: 'Track parcel', kind: 'link', value: 'https://t.example/PX-1' },
        { label: 'Talk to an agent', kind: 'postback', value: 'agent' },
      ],
    });
    // A parcel that is not in the order: the process-user-response code jumps to "lookup failed".
    const wrong = run(['track', 'AB-123456', 'PX-9']);
    expect(texts(wrong, 2)[0]).toMatch(/^We could not find that order/);
    expect(wrong).toMatchObject({
      outcome: 'closed',
      turns: [{}, {}, { closedBy: 'close_conversation' }],
    });
    // Without the fixture the run is inconclusive, never passed.
    const bare = simulateConversation(load('order-tracker.json'), options(), [
      'track',
      'AB-123456',
    ]);
    expect(bare.inconclusive).toMatchObject({ construct: 'integration:OrderLookup', turn: 1 });
  });

  it('returns-desk walks back with its global functions', () => {
    const r = simulateConversation(load('returns-desk.json'), options(), ['hi', 'back']);
    expect(texts(r, 0)[1]).toMatch(/^Step 1 of 3/);
    // goBack() pops the trail and triggers the welcome text again; BLANK_MESSAGE is not sent.
    expect(texts(r, 1)[0]).toMatch(/^Welcome to the returns desk/);
    expect(r.turns[1]?.steps.map((s) => s.interaction)).toEqual([
      'text_question_5',
      'text_5',
      'text_6',
      'text_question_5',
    ]);
    // The question has a No Match rule, so "hi" does not switch context (no new dialog).
    const again = simulateConversation(load('returns-desk.json'), options(), ['hi', 'hi']);
    expect(texts(again, 1)[0]).toBe("An order number has 6 to 10 digits, or type 'back'.");
  });

  it('tile-showcase answers a multiple-choice number with rich cards', () => {
    const r = simulateConversation(load('tile-showcase.json'), options(), ['hello', '1']);
    expect(r.turns[0]?.messages[0]?.choices).toEqual(['Coffee', 'Tea', 'Pastries', 'Sandwiches']);
    expect(r.turns[1]?.dialog).toBe('Coffee');
    // The choices are numbered (textStyle NUMBERS): a letter is no answer.
    const letter = simulateConversation(load('tile-showcase.json'), options(), ['hello', 'a']);
    expect(texts(letter, 1)[0]).toBe('Choose a section by its number.');
    expect(r.turns[1]?.messages[0]).toMatchObject({
      kind: 'rich',
      text: 'Espresso\nCoffee no. 1',
      image: 'https://cafe.example.com/img/coffee-1.jpg',
    });
  });

  it('concierge fills environment variables from global functions', () => {
    const r = simulateConversation(
      load('concierge.json'),
      options({ env: { CONCIERGE_BRAND: 'Hotel Nord', SUPPORT_EMAIL: 'desk@nord.example' } }),
      ['good evening'],
    );
    expect(texts(r, 0)[0]).toMatch(/Hotel Nord/);
    expect(r.variables).toMatchObject({ brand: 'Hotel Nord', supportEmail: 'desk@nord.example' });
  });

  it('card-services starts its dialogs by intent only: inconclusive, naming it', () => {
    const r = simulateConversation(load('card-services.json'), options(), ['I lost my card']);
    expect(r.inconclusive).toMatchObject({ construct: 'intent', turn: 0 });
  });

  it('loose-ends reaches a dialog by a multiple-choice number', () => {
    const r = simulateConversation(load('loose-ends.json'), options(), ['hi', '1']);
    expect(texts(r, 1)).toEqual(['Which product code should I look up?']);
    expect(r.turns[1]?.dialog).toBe('2 Stock check');
  });
});
