// Functions that pass a parameter on to `getEnvVariable` ("wrappers"), and the constant names their
// callers give them, found without running any code. The analysis is bounded and documented:
//
// - A wrapper is a function defined in any string of the content as `function NAME(a, b) {…}`,
//   `NAME = function (…) {…}`, `NAME: function (…) {…}`, `obj.NAME = function (…) {…}` or an arrow
//   function `NAME = (…) => …` / `NAME = a => …`, whose body calls `getEnvVariable(P)` with one of
//   its own parameters P as it is, or calls another wrapper with P in that wrapper's position. That
//   last rule is followed up to WRAPPER_DEPTH levels.
// - A call of a wrapper (`NAME(…)` for a function defined by name, `.NAME(…)` for one defined as a
//   property) anywhere in the content with a constant string there (`'X'`, `"X"` or a template literal
//   without substitutions) references the variable X, exactly as `getEnvVariable('X')` does.
// - Whatever else reaches `getEnvVariable` (a variable, an expression, a wrapper called with one) is
//   a *dynamic* use: the checks cannot know the name and say so as a warning, never silently.
//
// What is not followed: values passed through local variables, objects or arrays, functions passed
// as values, `bind`/`call`/`apply`, and code assembled at run time. Bodies and argument lists are
// read with a small lexer that knows strings, template literals and comments (not regular-expression
// literals), up to MAX_BODY and MAX_ARGS characters.
import { VARIABLE_NAME } from './rules.js';

/** How many levels of wrappers around wrappers are followed. */
export const WRAPPER_DEPTH = 3;
/** The longest function body read, in characters. */
const MAX_BODY = 50_000;
/** The longest argument list read, in characters. */
const MAX_ARGS = 2_000;
/** The longest expression quoted in a dynamic use. */
const MAX_QUOTE = 80;

export interface Wrapper {
  name: string;
  /** The position of the parameter that reaches `getEnvVariable`. */
  index: number;
  /** Defined as a property (`obj.NAME =`, `NAME:`): called as `.NAME(…)`. */
  member: boolean;
}

const IDENT = '[A-Za-z_$][\\w$]*';
const HEADERS: RegExp[] = [
  // function NAME(params) {
  new RegExp(`()\\bfunction\\s+(${IDENT})\\s*\\(([^()]*)\\)\\s*\\{`, 'g'),
  // NAME = function (params) {   NAME: function (params) {   obj.NAME = function …
  new RegExp(
    `(?:^|[^\\w$.])((?:${IDENT}\\s*\\.\\s*)*)(${IDENT})\\s*([:=])\\s*(?:async\\s+)?function\\b\\s*(?:${IDENT})?\\s*\\(([^()]*)\\)\\s*\\{`,
    'g',
  ),
  // NAME = (params) =>   NAME = param =>   NAME: (params) =>
  new RegExp(
    `(?:^|[^\\w$.])((?:${IDENT}\\s*\\.\\s*)*)(${IDENT})\\s*([:=])\\s*(?:async\\s+)?(?:\\(([^()]*)\\)|(${IDENT}))\\s*=>\\s*`,
    'g',
  ),
];

interface Definition {
  name: string;
  member: boolean;
  params: string[];
  body: string;
}

/** Every function definition in `code` that the headers recognise, with its body. */
function definitions(code: string): Definition[] {
  const out: Definition[] = [];
  for (const [h, re] of HEADERS.entries()) {
    re.lastIndex = 0;
    for (const m of code.matchAll(re)) {
      const end = (m.index ?? 0) + m[0].length;
      let name: string;
      let member: boolean;
      let params: string;
      if (h === 0) {
        name = m[2] ?? '';
        member = false;
        params = m[3] ?? '';
      } else {
        name = m[2] ?? '';
        member = (m[1] ?? '') !== '' || m[3] === ':';
        params = h === 1 ? (m[4] ?? '') : (m[4] ?? m[5] ?? '');
      }
      const opensBlock = h < 2 || code[end] === '{';
      const body = opensBlock ? blockAt(code, h < 2 ? end - 1 : end) : expressionAt(code, end);
      out.push({ name, member, params: paramNames(params), body });
    }
  }
  return out;
}

/** A parameter list's names ('' for a destructured or rest parameter, which is never followed). */
const paramNames = (list: string): string[] =>
  list.trim() === ''
    ? []
    : list.split(',').map((p) => {
        const name = p.split('=')[0]?.trim() ?? '';
        return new RegExp(`^${IDENT}$`).test(name) ? name : '';
      });

/**
 * Skip a string, template literal or comment starting at `i`; the index after it, or `i` when none
 * starts there.
 */
function skipLiteral(code: string, i: number): number {
  const c = code[i];
  if (c === '/' && code[i + 1] === '/') {
    const nl = code.indexOf('\n', i);
    return nl < 0 ? code.length : nl;
  }
  if (c === '/' && code[i + 1] === '*') {
    const close = code.indexOf('*/', i + 2);
    return close < 0 ? code.length : close + 2;
  }
  if (c === "'" || c === '"' || c === '`') {
    for (let j = i + 1; j < code.length; j++) {
      if (code[j] === '\\') j++;
      else if (code[j] === c) return j + 1;
    }
    return code.length;
  }
  return i;
}

/** The text of the `{…}` block opening at `open` (bounded by MAX_BODY). */
function blockAt(code: string, open: number): string {
  let depth = 0;
  const limit = Math.min(code.length, open + MAX_BODY);
  for (let i = open; i < limit;) {
    const skipped = skipLiteral(code, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const c = code[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return code.slice(open + 1, i);
    i++;
  }
  return code.slice(open + 1, limit);
}

/** An arrow function's expression body: up to `;`, a line end or a closing bracket at depth 0. */
function expressionAt(code: string, start: number): string {
  let depth = 0;
  const limit = Math.min(code.length, start + MAX_BODY);
  for (let i = start; i < limit;) {
    const skipped = skipLiteral(code, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const c = code[i] ?? '';
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) return code.slice(start, i);
      depth--;
    } else if (depth === 0 && (c === ';' || c === '\n' || c === ',')) return code.slice(start, i);
    i++;
  }
  return code.slice(start, limit);
}

/**
 * The top-level arguments of a call whose `(` is at `open`, trimmed; null when the list does not
 * close within MAX_ARGS characters.
 */
export function argumentsAt(code: string, open: number): string[] | null {
  const args: string[] = [];
  let depth = 0;
  let from = open + 1;
  const limit = Math.min(code.length, open + MAX_ARGS);
  for (let i = open + 1; i < limit;) {
    const skipped = skipLiteral(code, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const c = code[i] ?? '';
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) {
        const last = code.slice(from, i).trim();
        if (last !== '' || args.length > 0) args.push(last);
        return args;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(code.slice(from, i).trim());
      from = i + 1;
    }
    i++;
  }
  return null;
}

/** The variable name a constant string argument gives, or null (not a constant, or not a name). */
export function constantName(arg: string): string | null {
  const m = /^(?:'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`\\$]*)`)$/.exec(arg);
  if (m === null) return null;
  const name = m[1] ?? m[2] ?? m[3] ?? '';
  return VARIABLE_NAME.test(name) ? name : null;
}

/** Whether `arg` is a string constant at all (a constant that is no variable name is not dynamic). */
export const isStringConstant = (arg: string): boolean =>
  /^(?:'[^'\\\n]*'|"[^"\\\n]*"|`[^`\\$]*`)$/.test(arg);

/** The calls `NAME(` (or `.NAME(` for a member) in `code`, with the index of each `(`. */
export function callsOf(code: string, wrapper: Pick<Wrapper, 'name' | 'member'>): number[] {
  const escaped = wrapper.name.replace(/\$/g, '\\$');
  const re = wrapper.member
    ? new RegExp(`\\.\\s*${escaped}\\s*\\(`, 'g')
    : new RegExp(`(?<![\\w$.])${escaped}\\s*\\(`, 'g');
  const out: number[] = [];
  for (const m of code.matchAll(re)) {
    const at = m.index ?? 0;
    // `function NAME(` is the definition, not a call.
    if (!wrapper.member && /\bfunction\s*$/.test(code.slice(Math.max(0, at - 20), at))) continue;
    out.push(at + m[0].length - 1);
  }
  return out;
}

const DIRECT = /getEnvVariable\s*\(/g;

/** The parameters of `def` that reach `getEnvVariable` directly or through a known wrapper. */
function passedOn(def: Definition, known: readonly Wrapper[]): number[] {
  const positions = new Set<number>();
  const reaches = (arg: string | undefined) => {
    if (arg === undefined) return;
    const k = def.params.indexOf(arg);
    if (k >= 0 && arg !== '') positions.add(k);
  };
  for (const m of def.body.matchAll(DIRECT))
    reaches(argumentsAt(def.body, (m.index ?? 0) + m[0].length - 1)?.[0]);
  for (const w of known)
    for (const open of callsOf(def.body, w)) reaches(argumentsAt(def.body, open)?.[w.index]);
  return [...positions];
}

/**
 * The wrappers defined in `codes` (every string of a content that may hold code), following
 * wrappers of wrappers up to WRAPPER_DEPTH levels.
 */
export function findWrappers(codes: readonly string[]): Wrapper[] {
  const defs = codes.filter((c) => c.includes('(')).flatMap(definitions);
  const found: Wrapper[] = [];
  const key = (w: Wrapper) => `${w.member ? '.' : ''}${w.name}/${w.index}`;
  const seen = new Set<string>();
  for (let level = 0; level < WRAPPER_DEPTH; level++) {
    const known = [...found];
    let added = false;
    for (const def of defs)
      for (const index of passedOn(def, known)) {
        const w = { name: def.name, index, member: def.member };
        if (seen.has(key(w))) continue;
        seen.add(key(w));
        found.push(w);
        added = true;
      }
    if (!added) break;
  }
  return found;
}

/** Whether a string defines at least one function that passes a parameter to getEnvVariable. */
export const definesWrapper = (code: string): boolean =>
  code.includes('getEnvVariable') && definitions(code).some((d) => passedOn(d, []).length > 0);

/** An expression as a finding quotes it: one line, bounded. */
export const quoteExpression = (expr: string): string => {
  const one = expr.replace(/\s+/g, ' ').trim();
  return one.length > MAX_QUOTE ? `${one.slice(0, MAX_QUOTE - 1)}…` : one;
};
