import { describe, expect, it } from 'vitest';
import { changeText, staleDetails } from './stale';

describe('staleDetails', () => {
  it("reads who changed the automation, when, and the content's summary from the refusal", () => {
    const refusal = Object.assign(new Error('changed'), {
      details: {
        expected: 2,
        actual: 4,
        changes: [
          {
            at: '2026-05-01T10:00:00.000Z',
            actor: 'bob',
            action: 'interaction.update',
            revision: 3,
          },
          { at: '2026-05-01T10:05:00.000Z', actor: 'carol', action: 'agent.add', revision: 4 },
        ],
        changesTotal: 2,
        content: { added: 0, removed: 0, changed: 1, moved: 0, text: '1 interaction changed.' },
      },
    });
    const since = staleDetails(refusal);
    expect(since).toEqual({
      seen: 2,
      now: 4,
      changes: refusal.details.changes,
      total: 2,
      content: '1 interaction changed.',
    });
    expect(since?.changes.map(changeText)).toEqual([
      'bob edited an interaction',
      'carol added an agent',
    ]);
  });

  it('is null for a refusal without the changes (another conflict)', () => {
    expect(staleDetails(Object.assign(new Error('taken'), { details: { name: 'x' } }))).toBeNull();
    expect(staleDetails(new Error('plain'))).toBeNull();
  });

  it('names an action it has no words for by its code', () => {
    expect(changeText({ at: '', actor: 'eve', action: 'something.new', revision: null })).toBe(
      'eve did something.new',
    );
  });
});
