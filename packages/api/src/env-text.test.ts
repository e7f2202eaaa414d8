import { describe, expect, it } from 'vitest';
import { BAD_LINES_NAMED, parseEnvLines } from './env-text.js';
import { FerryApiError } from './errors.js';

/** The refusal `parse` throws. */
function refusal(parse: () => unknown): FerryApiError {
  try {
    parse();
  } catch (e) {
    if (e instanceof FerryApiError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe("CB's Bulk Add lines", () => {
  it('reads key=value lines, split at the first =, skipping blanks and comments', () => {
    expect(parseEnvLines('\uFEFFA = 1\r\n\n# note\nURL=https://x.test/?a=b=c\nEMPTY=\n')).toEqual([
      { line: 1, key: 'A', value: '1' },
      { line: 4, key: 'URL', value: 'https://x.test/?a=b=c' },
      { line: 5, key: 'EMPTY', value: '' },
    ]);
  });

  it('names every bad line, all or nothing', () => {
    const e = refusal(() => parseEnvLines('GOOD=1\njust text\n1X=2\nGOOD=3\nOK=4\n', 'lines'));
    expect(e.ferryCode).toBe('VALIDATION');
    expect(e.path).toBe('lines');
    expect(e.details).toEqual({ line: 2, lines: [2, 3, 4] });
    expect(e.message).toBe(
      'Line 2: expected key=value, found "just text"; ' +
        'line 3: "1X" is not a valid variable name (letters, digits and _, not starting with a digit); ' +
        'line 4: GOOD is already defined on line 1; nothing was imported.',
    );
  });

  it('counts the bad lines past the ones it names', () => {
    const text = Array.from({ length: BAD_LINES_NAMED + 3 }, (_, i) => `bad ${i}`).join('\n');
    const e = refusal(() => parseEnvLines(text));
    expect(e.details?.lines).toHaveLength(BAD_LINES_NAMED + 3);
    expect(e.message).toContain(`line ${BAD_LINES_NAMED}: `);
    expect(e.message).not.toContain(`line ${BAD_LINES_NAMED + 1}: `);
    expect(e.message).toMatch(/; and 3 more bad lines; nothing was imported\.$/);
  });
});
