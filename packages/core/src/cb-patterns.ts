// CB's pattern syntax for dialog starters and "Pattern" response conditions, and the regular
// expressions of "Regular Expression" conditions, as the conversation simulator matches them.
//
// LivePerson's docs (developer-center, Interactions/interaction-basics.md, "Specify patterns in
// interactions"): "A user input is considered a match to a pattern if it fits the pattern exactly";
// `*` is a wildcard matching any characters, `|` separates alternates and parentheses enclose a
// group of alternates (`(thank(|s)|thank you)*`, `* (some|a pair of) (headphones|earbuds)*`).
// Interactions/dialog-starter.md: "Exclude Keywords" are strings that, found in the input, keep the
// dialog from triggering. The docs do not spell out case and punctuation; CB's Preview matches
// "Hi!" and "HELLO" against a pattern "hi"/"hello", so both sides are compared case-insensitively
// with sentence punctuation (. , ! ? ; :) and repeated white space ignored. This is one home for
// that rule: change it here and the simulator follows.

/** The text a pattern is compared with: lower case, sentence punctuation dropped, spaces collapsed. */
export function normalizeForPattern(text: string): string {
  return text
    .toLowerCase()
    .replace(/[.,!?;:¡¿]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const cache = new Map<string, RegExp | PatternProblem>();

/** Why a pattern cannot be matched (unbalanced parentheses), naming the pattern. */
export interface PatternProblem {
  problem: string;
}

/**
 * The anchored regular expression of a CB pattern: `*` any characters, `(a|b)` alternates (nested
 * groups allowed, empty alternates too), everything else literal after normalization. A pattern
 * written between slashes (`/^order \d+$/i`) is taken as a regular expression as written, which is
 * how Ferry reads the docs' "you can use regular expressions with pattern matching" for starters.
 */
export function compilePattern(pattern: string): RegExp | PatternProblem {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  const compiled = compile(pattern);
  if (cache.size > 5_000) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

function compile(pattern: string): RegExp | PatternProblem {
  const slashed = /^\/(.+)\/([a-z]*)$/s.exec(pattern.trim());
  if (slashed !== null) return compileRegex(slashed[1] ?? '', slashed[2] ?? '');
  // Normalize the literal parts like the input, keeping the operators and the spaces between.
  const text = pattern
    .split(/([*|()])/)
    .map((part) =>
      /^[*|()]$/.test(part)
        ? part
        : part
            .toLowerCase()
            .replace(/[.,!?;:¡¿]+/g, ' ')
            .replace(/\s+/g, ' '),
    )
    .join('')
    .trim();
  let out = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '*') out += '.*';
    else if (ch === '(') {
      depth++;
      out += '(?:';
    } else if (ch === ')') {
      if (depth === 0)
        return { problem: `The pattern "${pattern}" closes a group it never opened.` };
      depth--;
      out += ')';
    } else if (ch === '|') out += depth === 0 ? '|' : '|';
    else out += ch.replace(/[\\^$.+?[\]{}]/g, '\\$&');
  }
  if (depth !== 0) return { problem: `The pattern "${pattern}" leaves a group open.` };
  // Around operators a space is optional: "(hi|hello) *" also matches "hi".
  out = out.replace(/ (?=\.\*|\(\?:)|(?<=\.\*|\)) /g, ' ?');
  return new RegExp(`^(?:${out})$`, 's');
}

/** A bot's regular expression, or why it is not one JavaScript accepts. */
export function compileRegex(source: string, flags = ''): RegExp | PatternProblem {
  const key = `/${source}/${flags}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let compiled: RegExp | PatternProblem;
  try {
    compiled = new RegExp(source, flags.replace(/[gy]/g, ''));
  } catch (e) {
    compiled = {
      problem: `The regular expression /${source}/ is not valid: ${e instanceof Error ? e.message : String(e)}.`,
    };
  }
  cache.set(key, compiled);
  return compiled;
}

/**
 * The longest text a bot's pattern or regular expression is matched against. Bot regexes run in the
 * host's engine (only bot *code* goes to the sandbox), where a backtracking expression cannot be
 * interrupted: bounding the input bounds the work (a test's user messages are capped below this).
 * A longer text stops the simulation as inconclusive (`regex-input`) instead of matching it.
 */
export const REGEX_INPUT_MAX = 2_000;

/** Why `text` is too long to match a bot's pattern against, or null. */
export function regexInputProblem(text: string): PatternProblem | null {
  return text.length > REGEX_INPUT_MAX
    ? {
        problem: `The text to match is ${text.length} characters long, more than the ${REGEX_INPUT_MAX} the simulator matches bot patterns against.`,
      }
    : null;
}

export const isProblem = (value: RegExp | PatternProblem): value is PatternProblem =>
  !(value instanceof RegExp);

/** Whether `input` fits `pattern` exactly (after normalization of both). */
export function matchesPattern(pattern: string, input: string): boolean | PatternProblem {
  const tooLong = regexInputProblem(input);
  if (tooLong) return tooLong;
  const re = compilePattern(pattern);
  if (isProblem(re)) return re;
  const slashed = /^\/(.+)\/([a-z]*)$/s.test(pattern.trim());
  return re.test(slashed ? input.trim() : normalizeForPattern(input));
}

/** Whether `input` contains `keyword` as a whole word or phrase (case and punctuation ignored). */
export function containsKeyword(input: string, keyword: string): boolean {
  const k = normalizeForPattern(keyword);
  if (k === '') return false;
  return ` ${normalizeForPattern(input)} `.includes(` ${k} `);
}
