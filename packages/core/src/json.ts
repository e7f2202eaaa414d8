// JSON value types, canonical serialisation (the bytes that get hashed) and JSON-pointer helpers.
import { must } from './must.js';
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `target[key] = value` as an own data property whatever the key: a plain assignment with the key
 * "__proto__" would call Object.prototype's setter (replacing the prototype, dropping the key), and
 * a CB export may carry that key as data like any other it does not know (kept verbatim).
 */
export function setKey<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else target[key] = value;
}

/** Thrown by canonicalJson for values JSON cannot represent; callers turn it into a Result. */
export class JsonShapeError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export const MAX_DEPTH = 64;

/**
 * Canonical JSON: object keys sorted by UTF-16 code units (as RFC 8785), no whitespace, numbers
 * and strings as JSON.stringify writes them. Equal values give equal bytes whatever their key order.
 * Throws JsonShapeError for anything JSON cannot represent.
 */
export function canonicalJson(value: JsonValue): string {
  // Values that are already canonical (everything read back from a store, everything importCbExport
  // produced) are checked without copying and serialised natively.
  return JSON.stringify(isCanonical(value, 0) ? value : toCanonical(value));
}

/** JSON text of `value` in its own key order; throws JsonShapeError for anything not JSON. */
export function plainJson(value: JsonValue): string {
  if (!isPlain(value, 0)) toCanonical(value);
  return JSON.stringify(value);
}

function isPlain(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return true;
  if (typeof value !== 'object' || depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlain(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value)
    if (!isPlain((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

/** True when `value` is plain JSON with every object's keys already in sorted order. */
function isCanonical(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null)
    return (
      typeof value !== 'bigint' &&
      typeof value !== 'function' &&
      typeof value !== 'symbol' &&
      value !== undefined
    );
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isCanonical(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && key < previous) return false;
    if (!isCanonical((value as Record<string, unknown>)[key], depth + 1)) return false;
    previous = key;
  }
  return true;
}

/**
 * A deep copy of `value` with every object's keys sorted, after checking it is plain JSON no deeper
 * than `maxDepth`; the JsonShapeError it throws carries the JSON pointer of the first offender.
 */
export function toCanonical(value: unknown, maxDepth = MAX_DEPTH): JsonValue {
  try {
    return sortedCopy(value, 0, maxDepth);
  } catch (e) {
    if (e !== NOT_JSON) throw e;
    // The fast copy keeps no path; walk again, tracking it, to say where and why.
    throw locateShapeError(value, maxDepth);
  }
}

const NOT_JSON = Symbol('not JSON');

function sortedCopy(v: unknown, depth: number, maxDepth: number): JsonValue {
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    throw NOT_JSON;
  }
  if (typeof v !== 'object' || depth >= maxDepth) throw NOT_JSON;
  if (Array.isArray(v)) {
    const out: JsonValue[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = sortedCopy(v[i], depth + 1, maxDepth);
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw NOT_JSON;
  const keys = Object.keys(v);
  if (keys.length > 1) keys.sort();
  const out: JsonObject = {};
  for (let i = 0; i < keys.length; i++) {
    const key = must(keys[i], 'keys[i]');
    setKey(out, key, sortedCopy((v as Record<string, unknown>)[key], depth + 1, maxDepth));
  }
  return out;
}

function locateShapeError(root: unknown, maxDepth: number): JsonShapeError {
  const trail: string[] = [];
  const at = (reason: string) =>
    new JsonShapeError(reason, trail.map((p) => '/' + escapePointer(p)).join(''));
  const visit = (v: unknown, depth: number): JsonShapeError | null => {
    if (typeof v === 'string' || typeof v === 'boolean' || v === null) return null;
    if (typeof v === 'number') return Number.isFinite(v) ? null : at('is not a finite number');
    if (typeof v !== 'object') return at(`is a ${typeof v}, not JSON`);
    if (depth >= maxDepth) return at(`nests deeper than ${maxDepth} levels`);
    const proto = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null)
      return at(`is a ${(v as object).constructor?.name ?? 'non-plain object'}, which is not JSON`);
    const keys = Array.isArray(v) ? v.map((_, i) => String(i)) : Object.keys(v).sort();
    for (const key of keys) {
      trail.push(key);
      const found = visit((v as Record<string, unknown>)[key], depth + 1);
      if (found) return found;
      trail.pop();
    }
    return null;
  };
  return visit(root, 0) ?? new JsonShapeError('is not JSON', '');
}

export const escapePointer = (segment: string | number): string =>
  String(segment).replace(/~/g, '~0').replace(/\//g, '~1');

export const pointer = (...segments: (string | number)[]): string =>
  segments.map((s) => '/' + escapePointer(s)).join('');

/** Deep equality of JSON values (object key order ignored, array order kept). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}
