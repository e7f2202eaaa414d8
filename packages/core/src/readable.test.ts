import { importCbExport } from './cb-export.js';
import { fixture } from '@ferry/fixtures';
import { describe, expect, it } from 'vitest';
import { readableDialogs, readableInteraction } from './readable.js';

describe('readable content', () => {
  it('shows a quick-reply interaction as its text, its buttons and its code', () => {
    const parsed = importCbExport(fixture('returns-desk.json'));
    if (!parsed.ok) throw new Error(parsed.error.message);
    const dialogs = readableDialogs(parsed.value.content);
    expect(dialogs.map((d) => d.name)).toContain('2 Back');
    const all = dialogs.flatMap((d) => d.interactions);
    const quick = all.find((i) => i.name === 'quick_reply_7');
    expect(quick).toMatchObject({ kind: 'QUICK_REPLY', buttons: ['Continue', 'Back'] });
    expect(quick?.texts[0]).toMatch(/^Step 2 of 3:/);
    expect(quick?.code).toEqual([{ label: 'Pre-process code', source: "trail('quick_reply_7');" }]);
  });

  it('lists multiple-choice options as buttons and tolerates unknown shapes', () => {
    expect(
      readableInteraction({
        id: 'i1',
        name: 'pick',
        content: {
          results: {
            type: 'MULTIPLE_CHOICE_QUESTION',
            tile: {
              tileData: [{ text: 'Pick one', multipleChoice: { multipleChoices: ['A', 'B'] } }],
            },
          },
        },
      }),
    ).toEqual({
      id: 'i1',
      name: 'pick',
      kind: 'MULTIPLE_CHOICE_QUESTION',
      texts: ['Pick one'],
      buttons: ['A', 'B'],
      code: [],
    });
    expect(readableInteraction({ content: 42 })).toMatchObject({
      name: '(unnamed interaction)',
      kind: 'UNKNOWN',
    });
  });
});
