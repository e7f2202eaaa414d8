// The exact text of JSON values: key order and number/string lexemes as an export wrote them.
//
// Entities are plain JS values everywhere in Ferry, and a JS value cannot hold `1.0`, `1e3` or
// `12345678901234567890` (JSON.parse makes them 1, 1000 and 12345678901234567000), nor keep
// integer-like keys ("10") after the others. So an entity whose text does not survive
// JSON.parse/JSON.stringify carries its original compact text alongside, in a WeakMap keyed by the
// (frozen) object: the snapshotter stores that text as the node (after a space, its mark), the
// store's decode attaches it again, and the export prints it. Every other entity is stored as
// JSON.stringify writes it, in its own key order, which is then its exact text.

const RAW = new WeakMap<object, string>();

/** The exact compact text an entity was read from, when JSON.stringify would not give it back. */
export const rawText = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null ? RAW.get(value) : undefined;

/** Remember `text` as the exact form of `value` (frozen: an edit must make a new object). */
export function attachRaw<T extends object>(value: T, text: string): T {
  Object.freeze(value);
  RAW.set(value, text);
  return value;
}

// Text whose JSON.parse/JSON.stringify round trip may differ (false alarms only cost time): unicode
// or slash escapes; numbers with an exponent, a fraction ending in 0, 16 or more digits (precision),
// six leading fraction zeros (written back with an exponent) or negative zero; integer-like keys
// (a JS object lists them first). Duplicate keys are not looked for: the last one wins, as in JSON.parse.
// One pass over the (valid JSON) text: strings are skipped with indexOf, so only the characters
// between them are looked at one by one, and nothing is allocated.

/** False when JSON.stringify(JSON.parse(text)) is certainly `text` without its whitespace. */
export function mayNotRoundTrip(text: string): boolean {
  // An escape anywhere (a false alarm when it is an escaped backslash before "u" or "/").
  if (text.includes('\\u') || text.includes('\\/')) return true;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = skipString(text, i);
      if (isDigit(text.charCodeAt(i + 1)) && integerLike(text, i + 1, end - 1)) {
        const after = skipWs(text, end);
        if (text.charCodeAt(after) === 0x3a) return true;
      }
      i = end;
    } else if (c === 0x2d || isDigit(c)) {
      const end = numberEnd(text, i);
      if (numberMayChange(text, i, end)) return true;
      i = end;
    } else i++;
  }
  return false;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** `text[from, to)` is a canonical array index-like integer key: "0" or digits not led by 0. */
function integerLike(text: string, from: number, to: number): boolean {
  if (to - from > 1 && text.charCodeAt(from) === 0x30) return false;
  for (let k = from; k < to; k++) if (!isDigit(text.charCodeAt(k))) return false;
  return to > from;
}

/** End (exclusive) of the number lexeme starting at `pos`. */
function numberEnd(text: string, pos: number): number {
  let i = pos + 1;
  for (;;) {
    const c = text.charCodeAt(i);
    // digits, '.', 'e', 'E', '+', '-'
    if (isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) i++;
    else return i;
  }
}

/** True when String(Number(lexeme)) may not be the number lexeme `text[from, to)`. */
function numberMayChange(text: string, from: number, to: number): boolean {
  let start = from;
  if (text.charCodeAt(start) === 0x2d) {
    start++;
    // -0, not followed by a fraction (-0.5 is kept; -0.0 ends in 0 below)
    if (text.charCodeAt(start) === 0x30 && start + 1 === to) return true;
  }
  if (to - start >= 16) return true;
  let dot = -1;
  for (let k = start; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x65 || c === 0x45) return true;
    if (c === 0x2e) dot = k;
  }
  if (dot < 0) return false;
  if (text.charCodeAt(to - 1) === 0x30) return true;
  // 0.000000…: six zeros after the point come back with an exponent
  if (dot === start + 1 && text.charCodeAt(start) === 0x30) {
    let zeros = 0;
    while (text.charCodeAt(dot + 1 + zeros) === 0x30) zeros++;
    if (zeros >= 6) return true;
  }
  return false;
}

/**
 * The node text of an entity with an exact text: that text after one space. The space keeps it
 * valid JSON (and its hash the hash of what is stored) and tells `parseExact` to keep it.
 */
export const exactNodeText = (raw: string): string => ' ' + raw;

/** JSON.parse of a stored node, remembering the exact text of a node written by exactNodeText. */
export function parseExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (text.charCodeAt(0) === 0x20 && typeof value === 'object' && value !== null)
    RAW.set(value, text.slice(1));
  return value;
}

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export function skipWs(text: string, pos: number): number {
  while (pos < text.length && isWs(text.charCodeAt(pos))) pos++;
  return pos;
}

/** End (exclusive) of the JSON string starting at `pos` (a `"`). */
export function skipString(text: string, pos: number): number {
  let i = pos + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let b = q - 1;
    while (text.charCodeAt(b) === 0x5c) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** End (exclusive) of the (valid) JSON value starting at `pos`. */
export function skipValue(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  if (c === 0x22) return skipString(text, pos);
  if (c !== 0x7b && c !== 0x5b) {
    let i = pos;
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === 0x2c || d === 0x7d || d === 0x5d || isWs(d)) break;
      i++;
    }
    return i;
  }
  let depth = 0;
  let i = pos;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 0x22) {
      i = skipString(text, i);
      continue;
    }
    if (d === 0x7b || d === 0x5b) depth++;
    else if (d === 0x7d || d === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

/** The text without whitespace outside strings. */
export function compactJson(text: string): string {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = skipString(text, i);
      continue;
    }
    if (isWs(c)) {
      out += text.slice(from, i);
      i = skipWs(text, i);
      from = i;
      continue;
    }
    i++;
  }
  return out + text.slice(from);
}

export interface Member {
  key: string;
  /** Span of the member (`"key":value`) in the compact text. */
  start: number;
  end: number;
}

/** The members of a compact JSON object text, in order. */
export function membersOf(compact: string): Member[] {
  const out: Member[] = [];
  let i = 1;
  while (i < compact.length && compact.charCodeAt(i) !== 0x7d) {
    const start = i;
    const keyEnd = skipString(compact, i);
    const key = JSON.parse(compact.slice(i, keyEnd)) as string;
    const end = skipValue(compact, keyEnd + 1);
    out.push({ key, start, end });
    i = compact.charCodeAt(end) === 0x2c ? end + 1 : end;
  }
  return out;
}

/** The compact object text without the members at `indices`. */
export function withoutMembers(compact: string, members: Member[], indices: number[]): string {
  const keep = members.filter((_, i) => !indices.includes(i));
  return '{' + keep.map((m) => compact.slice(m.start, m.end)).join(',') + '}';
}

/**
 * The compact object text with `"key":value` inserted after the member named `after`, first (0),
 * or last (null, or no member has that name).
 */
export function insertMember(compact: string, after: string | 0 | null, member: string): string {
  const members = membersOf(compact);
  const parts = members.map((m) => compact.slice(m.start, m.end));
  const found = after === null || after === 0 ? -1 : members.findIndex((m) => m.key === after);
  const at = after === 0 ? 0 : found >= 0 ? found + 1 : parts.length;
  parts.splice(at, 0, member);
  return '{' + parts.join(',') + '}';
}

/**
 * Compact JSON text printed like JSON.stringify(value, null, 2) nested `level` deep (every line
 * after the first indented by 2 × level more spaces), lexemes untouched.
 */
export function reindent(compact: string, level: number): string {
  const parts: string[] = [];
  let depth = level;
  let from = 0;
  const nl = (d: number) => '\n' + '  '.repeat(d);
  for (let i = 0; i < compact.length; i++) {
    const c = compact.charCodeAt(i);
    if (c === 0x22) {
      i = skipString(compact, i) - 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      if (compact.charCodeAt(i + 1) === close) {
        i++;
        continue;
      }
      depth++;
      parts.push(compact.slice(from, i + 1), nl(depth));
      from = i + 1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      parts.push(compact.slice(from, i), nl(depth));
      from = i;
    } else if (c === 0x2c) {
      parts.push(compact.slice(from, i + 1), nl(depth));
      from = i + 1;
    } else if (c === 0x3a) {
      parts.push(compact.slice(from, i + 1), ' ');
      from = i + 1;
    }
  }
  parts.push(compact.slice(from));
  return parts.join('');
}
