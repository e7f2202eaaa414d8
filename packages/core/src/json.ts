// JSON value types, canonical serialisation (the bytes that get hashed) and JSON-pointer helpers.
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

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
 */
export function canonicalJson(value: JsonValue): string {
  return write(value, 0, '');
}

function write(value: JsonValue, depth: number, path: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new JsonShapeError('is not a finite number', path);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH)
        throw new JsonShapeError(`nests deeper than ${MAX_DEPTH} levels`, path);
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += write(value[i] as JsonValue, depth + 1, path);
        }
        return out + ']';
      }
      const keys = Object.keys(value);
      // Already-sorted keys are the common case for data read back from the store.
      let sorted = true;
      for (let i = 1; i < keys.length; i++) {
        if ((keys[i - 1] as string) > (keys[i] as string)) {
          sorted = false;
          break;
        }
      }
      if (!sorted) keys.sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (key === '__proto__')
          throw new JsonShapeError('has a "__proto__" key', `${path}/${escapePointer(key)}`);
        if (i > 0) out += ',';
        out += JSON.stringify(key) + ':' + write(value[key] as JsonValue, depth + 1, path);
      }
      return out + '}';
    }
    default:
      throw new JsonShapeError(`holds a ${typeof value}, which JSON cannot represent`, path);
  }
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
