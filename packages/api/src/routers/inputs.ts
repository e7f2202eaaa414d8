// Input pieces shared by the routers. Every text input is a `text()`: what the database cannot store
// as sent is refused with VALIDATION naming the field. JSON content is kept exactly as sent.
import { DESCRIPTION_MAX, NAME_MAX, isJsonObject, type JsonValue } from '@ferry/core';
import { z } from 'zod';

/**
 * Why a string cannot be stored as sent, or null: PostgreSQL's text and jsonb cannot hold U+0000
 * (the insert fails), and a lone UTF-16 surrogate would be stored as U+FFFD (silently changed).
 */
export function unstorable(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (/\p{Cs}/u.test(s)) return 'must not contain a lone UTF-16 surrogate (invalid Unicode)';
  return null;
}

/** A text input: any Unicode the database can store. */
export const textInput = () =>
  z.string().superRefine((s, ctx) => {
    const problem = unstorable(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A reference to something by id or name: trimmed, not empty. */
export const refInput = (what: string) => textInput().trim().min(1, what);

const atMost = (max: number) => `must be at most ${max} characters`;

/** Text as long as a name may be, trimmed: what versions and tokens are called. */
export const shortName = () => textInput().trim().max(NAME_MAX, atMost(NAME_MAX));

/** Names are free text on one line (no control characters), trimmed and bounded. */
export const name = textInput()
  .trim()
  .min(1, 'must not be empty')
  .max(NAME_MAX, atMost(NAME_MAX))
  .refine((s) => !/\p{Cc}/u.test(s), 'must not contain control characters (a name is one line)');
export const description = textInput().max(DESCRIPTION_MAX, atMost(DESCRIPTION_MAX));
/** An automation by id or unique name. */
export const automationRef = refInput('must name an automation by its id or name');
/** A version by number (`3` or `"#3"`), id or name (the newest with that name). */
export const versionRef = z
  .union([
    z.number().int().positive(),
    refInput('must name a version by its number (N or #N), id or name'),
  ])
  .transform(String);
/** The revision a change is based on (DESIGN.md rule 10). */
export const baseRevision = z.number().int().positive().optional();
/** The same, named as deployment-binding changes (agents, environment link) and upgrades take it. */
export const ifRevision = baseRevision;

/**
 * JSON text (a CB export as a file's contents): its consumer parses it and says where it is broken.
 * Its strings are content, kept as data, so it is not a `textInput()`: a raw U+0000 is already
 * invalid JSON, and `"\u0000"` inside a string is an escape the content keeps.
 */
export const jsonText = z.string();

/**
 * Why `value` is not JSON, with `trail` left at the path to it, or null; `__proto__` is an ordinary
 * key. One shared trail: a 50 MB export is walked without a path copy per value.
 */
function notJson(value: unknown, trail: PropertyKey[]): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'must be a finite number';
  if (typeof value !== 'object') return `is a ${typeof value}, not JSON`;
  if (trail.length > 1000) return 'nests too deeply';
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null)
    return 'is not a plain object';
  const keys: PropertyKey[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  for (const key of keys) {
    trail.push(key);
    const why = notJson((value as Record<PropertyKey, unknown>)[key], trail);
    if (why) return why;
    trail.pop();
  }
  return null;
}

const refuseNonJson = (value: unknown, ctx: z.RefinementCtx) => {
  const trail: PropertyKey[] = [];
  const why = notJson(value, trail);
  if (why) ctx.addIssue({ code: 'custom', message: why, path: trail });
};

/**
 * Any JSON value, passed on as the very object sent. zod's own `z.json()` and `z.record()` copy
 * objects and silently drop `"__proto__"` keys, which are content like any other key.
 */
export const jsonValue = z.custom<JsonValue>(() => true).superRefine(refuseNonJson);

/** A JSON object. */
export const jsonObject = z
  .custom<Record<string, unknown>>(isJsonObject, 'must be an object')
  .superRefine(refuseNonJson);

/**
 * A JSON object some of whose fields have a schema (`shape`); every other field is kept as sent,
 * `"__proto__"` included, in the order sent.
 */
export function jsonObjectWith<S extends z.ZodRawShape>(shape: S) {
  const fields = z.object(shape);
  return jsonObject.transform((value, ctx) => {
    const parsed = fields.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return z.NEVER;
    }
    // Spreading copies "__proto__" as an own key; the known fields take their parsed values.
    return { ...value, ...parsed.data } as Record<string, unknown> & z.output<typeof fields>;
  });
}
