import { newInteraction, readableInteraction } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { NEW_INTERACTION_KINDS, kindOf, placeOf, placeText, specOf } from './new-interaction-form';

const integrations = [
  { id: 'r1', name: 'OrderLookup' },
  { id: '', name: 'Nameless id' },
];

describe('the Add interaction form', () => {
  it('offers every kind core can build, a text message first', () => {
    expect(kindOf(undefined).type).toBe('TEXT');
    expect(kindOf('nonsense').type).toBe('TEXT');
    expect(NEW_INTERACTION_KINDS.map((k) => k.type)).toContain('API_INTEGRATION');
  });

  it('turns what was posted into the interaction core builds, one option a line', () => {
    const built = newInteraction(
      specOf(
        {
          type: 'QUICK_REPLY',
          name: '  pick  ',
          text: 'Which one?',
          options: 'Yes\r\n\r\n No \n',
          processUserResponse: 'setVar("a", 1);',
        },
        integrations,
      ),
    );
    if (!built.ok) throw new Error(built.error.message);
    expect(readableInteraction(built.value)).toMatchObject({
      name: 'pick',
      kind: 'QUICK_REPLY',
      texts: ['Which one?'],
      buttons: ['Yes', 'No'],
      code: [{ label: 'Process user response code', source: 'setVar("a", 1);' }],
    });
    // Code a kind has no field for is not taken from the form.
    expect(specOf({ type: 'TEXT', processUserResponse: 'x' }, []).code).not.toHaveProperty(
      'processUserResponse',
    );
  });

  it('finds the integration chosen by id, or by name when it has no id', () => {
    expect(
      specOf({ type: 'API_INTEGRATION', integration: 'r1' }, integrations).integration,
    ).toEqual({ id: 'r1', name: 'OrderLookup' });
    expect(
      specOf({ type: 'API_INTEGRATION', integration: 'Nameless id' }, integrations).integration,
    ).toEqual({ id: '', name: 'Nameless id' });
    expect(
      specOf({ type: 'API_INTEGRATION', integration: 'gone' }, integrations),
    ).not.toHaveProperty('integration');
  });

  it('says where it goes: first, last, or next to the interaction chosen', () => {
    expect(placeOf({})).toEqual({ ok: true, place: {} });
    expect(placeOf({ place: 'first' })).toEqual({ ok: true, place: { index: 0 } });
    expect(placeOf({ place: 'after', anchor: 'i2' })).toEqual({ ok: true, place: { after: 'i2' } });
    expect(placeOf({ place: 'before', anchor: 'i2' })).toEqual({
      ok: true,
      place: { before: 'i2' },
    });
    expect(placeOf({ place: 'before', anchor: '' })).toEqual({
      ok: false,
      message: 'Choose the interaction to add it before.',
    });
    expect(placeText({ place: 'after', anchorName: 'Ask' })).toBe('after “Ask”');
    expect(placeText({ dialogName: 'Returns' })).toBe('at the end of “Returns”');
    expect(placeText({ place: 'first', dialogName: 'Returns' })).toBe('at the start of “Returns”');
  });
});
