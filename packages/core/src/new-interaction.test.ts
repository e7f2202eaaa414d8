import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { NEW_INTERACTION_KINDS, newInteraction } from './new-interaction.js';
import { readableInteraction } from './readable.js';
import { readFixture } from './test-support/fixtures.js';
import type { JsonObject } from './json.js';

const made = (spec: Parameters<typeof newInteraction>[0]): JsonObject => {
  const result = newInteraction(spec);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
};

/** Every interaction of the project's fixtures, by interactionType: what CB's exports look like. */
function fixtureInteractions(): Map<string, JsonObject> {
  const byType = new Map<string, JsonObject>();
  for (const name of [
    'concierge.json',
    'loose-ends.json',
    'order-tracker.json',
    'card-services.json',
  ]) {
    const imported = importCbExport(readFixture(name));
    if (!imported.ok) throw new Error(imported.error.message);
    for (const d of imported.value.content.dialogs)
      for (const i of d.interactions)
        if (typeof i.interactionType === 'string' && !byType.has(i.interactionType))
          byType.set(i.interactionType, i);
  }
  return byType;
}

describe('a new interaction of any kind', () => {
  it('is shaped as CB exports that kind: the same keys where CB puts its content', () => {
    const real = fixtureInteractions();
    let compared = 0;
    for (const kind of NEW_INTERACTION_KINDS) {
      const example = real.get(kind.type);
      if (example === undefined) continue; // UNIVERSAL lives in tile-showcase, checked below
      compared++;
      const ours = made({
        type: kind.type,
        name: 'n',
        text: 't',
        options: ['a', 'b'],
        patterns: ['p'],
        integration: { name: 'Api', id: 'i' },
        card: { title: 'T' },
      });
      expect(ours.interactionType, kind.type).toBe(example.interactionType);
      const content = ours.content as JsonObject;
      const theirs = example.content as JsonObject;
      expect(content.contentType, kind.type).toBe(theirs.contentType);
      expect(Object.keys(content).sort(), kind.type).toEqual(
        Object.keys(theirs)
          .filter((k) => k !== 'responderId' || 'responderId' in content)
          .sort(),
      );
      // CB keys outside the content that the kind needs.
      for (const key of ['quickReplies', 'pattern'])
        expect(key in ours, `${kind.type} ${key}`).toBe(key in example);
    }
    expect(compared).toBe(NEW_INTERACTION_KINDS.length - 1);
  });

  it('reads back as people see it: its kind, text and options', () => {
    const read = (spec: Parameters<typeof newInteraction>[0]) => readableInteraction(made(spec));
    expect(read({ type: 'TEXT', name: 'hi', text: 'Hello' })).toMatchObject({
      name: 'hi',
      kind: 'TEXT',
      texts: ['Hello'],
    });
    expect(
      read({ type: 'QUICK_REPLY', name: 'q', text: 'Which?', options: ['Yes', ' ', ' No '] }),
    ).toMatchObject({ kind: 'QUICK_REPLY', texts: ['Which?'], buttons: ['Yes', 'No'] });
    expect(read({ type: 'BUTTON', name: 'b', text: 'Pick', options: ['One'] })).toMatchObject({
      kind: 'BUTTON',
      buttons: ['One'],
    });
    expect(
      read({ type: 'MULTIPLE_CHOICE_QUESTION', name: 'm', text: 'Pick', options: ['A', 'B'] }),
    ).toMatchObject({ kind: 'MULTIPLE_CHOICE_QUESTION', buttons: ['A', 'B'] });
    expect(
      read({ type: 'STRUCTURED', name: 's', card: { title: 'Card', subtitle: 'Sub' } }),
    ).toMatchObject({ kind: 'STRUCTURED', texts: ['Card', 'Sub'], buttons: [] });
    expect(
      read({ type: 'API_INTEGRATION', name: 'call', integration: { name: 'OrderLookup' } }),
    ).toMatchObject({
      kind: 'API_INTEGRATION',
      texts: ['Answered by the integration "OrderLookup"'],
    });
    expect(
      read({ type: 'UNIVERSAL', name: 'u', richContent: '{"type":"vertical","elements":[]}' }),
    ).toMatchObject({
      kind: 'UNIVERSAL',
      code: [{ label: 'Rich content (JSON)', source: '{"type":"vertical","elements":[]}' }],
    });
    expect(
      read({
        type: 'TEXT_QUESTION',
        name: 'ask',
        text: 'Your order number?',
        code: { processUserResponse: 'setVar("n", 1);', preProcessMessage: '  ' },
      }),
    ).toMatchObject({
      kind: 'TEXT_QUESTION',
      code: [{ label: 'Process user response code', source: 'setVar("n", 1);' }],
    });
    const starter = made({ type: 'DIALOG_STARTER', name: 'start', patterns: ['order', ''] });
    expect(starter.pattern).toEqual(['order']);
    expect(starter).not.toHaveProperty('required');
  });

  it('continues to the next interaction; a question accepts any answer', () => {
    const question = made({ type: 'TEXT_QUESTION', name: 'q', text: '?' });
    expect(question.responseMatches).toEqual([
      expect.objectContaining({ action: { name: 'INTERACTION', value: 'next' } }),
    ]);
    expect(question).toMatchObject({ changeResponse: { enabled: true } });
    expect(made({ type: 'TEXT', name: 't' })).not.toHaveProperty('changeResponse');
    expect(made({ type: 'TEXT', name: 't' })).not.toHaveProperty('id');
  });

  it('names the field that is missing or wrong, in a sentence', () => {
    const refused = (spec: Parameters<typeof newInteraction>[0]) => {
      const result = newInteraction(spec);
      return result.ok ? null : result.error;
    };
    expect(refused({ type: 'CAROUSEL_OF_DOOM', name: 'x' })).toMatchObject({
      code: 'VALIDATION',
      path: 'type',
    });
    expect(refused({ type: 'QUICK_REPLY', name: 'x', options: [' '] })).toMatchObject({
      path: 'options',
      message: 'Give at least one of the quick replies, one a line.',
    });
    expect(
      refused({ type: 'BUTTON', name: 'x', options: Array.from({ length: 25 }, (_, i) => `${i}`) }),
    ).toMatchObject({ path: 'options', message: 'Give at most 24 buttons; there are 25.' });
    expect(refused({ type: 'API_INTEGRATION', name: 'x' })).toMatchObject({ path: 'integration' });
    expect(refused({ type: 'UNIVERSAL', name: 'x', richContent: '[1]' })).toMatchObject({
      path: 'richContent',
    });
    expect(refused({ type: 'DIALOG_STARTER', name: 'x' })).toMatchObject({ path: 'patterns' });
  });
});
