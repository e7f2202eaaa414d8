// Refused inputs read as sentences naming the field in words: the API's own schemas, parsed for
// real, and zod's built-in issues (a missing field, a wrong type) reworded.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldSubject, inputSentence } from './input-messages.js';
import { automationRef, baseRevision, name } from './routers/inputs.js';

/** The sentence the first issue of parsing `value` with `schema` gives. */
function sentence(schema: z.ZodType, value: unknown): string {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected a refusal');
  return inputSentence(parsed.error.issues[0] as Parameters<typeof inputSentence>[0]);
}

describe('fieldSubject', () => {
  it.each([
    [[], 'The input'],
    [['target'], 'The target'],
    [['fromVersion'], 'The version to release'],
    [['ifRevision'], 'The revision the change is based on'],
    [['dialogId'], 'The dialog id'],
    [['variables', 1, 'key'], 'The key of item 2 of variables'],
    [['hashes', 0], 'Item 1 of hashes'],
  ] as const)('%j → %s', (path, subject) => {
    expect(fieldSubject(path)).toBe(subject);
  });
});

describe('inputSentence', () => {
  it("words the API's own rules as sentences about the field", () => {
    expect(sentence(z.object({ target: automationRef }), { target: '  ' })).toBe(
      'The target must name an automation by its id or name.',
    );
    expect(sentence(z.object({ name }), { name: 'a\tb' })).toBe(
      'The name must not contain control characters (a name is one line).',
    );
  });

  it("rewords zod's own messages: a missing field, a wrong type, bounds and choices", () => {
    const input = z.object({
      automation: automationRef,
      baseRevision,
      limit: z.number().int().min(1).max(500).optional(),
      role: z.enum(['source', 'target']).optional(),
      tags: z.array(z.string()).min(1).optional(),
    });
    expect(sentence(input, {})).toBe('The automation is missing.');
    expect(sentence(input, { automation: 3 })).toBe('The automation must be text.');
    expect(sentence(input, { automation: 'A', baseRevision: 1.5 })).toBe(
      'The revision the change is based on must be a whole number.',
    );
    expect(sentence(input, { automation: 'A', baseRevision: 0 })).toBe(
      'The revision the change is based on must be more than 0.',
    );
    expect(sentence(input, { automation: 'A', limit: 501 })).toBe('The limit must be at most 500.');
    expect(sentence(input, { automation: 'A', role: 'any' })).toBe(
      'The role must be one of "source", "target".',
    );
    expect(sentence(input, { automation: 'A', tags: [] })).toBe('The tags must not be empty.');
    expect(sentence(z.string(), 5)).toBe('The input must be text.');
  });

  it('never shows validator shorthand: no "field: rule", no "Invalid input"', () => {
    const input = z.object({ target: automationRef, n: z.number() });
    for (const value of [{}, { target: '' }, { target: 'x', n: 'y' }, null]) {
      const text = sentence(input, value);
      expect(text).toMatch(/^[A-Z].*\.$/);
      expect(text).not.toMatch(/^\w+: |Invalid input|received|names an/);
    }
  });
});
