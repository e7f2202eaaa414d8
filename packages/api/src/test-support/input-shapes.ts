// Every procedure of the app router with what its zod input schema says, for the generic input
// tests: a plausible input built from the schema (real values by field name, else by type) and
// the paths of its text fields. New procedures are covered without listing them anywhere.
import { appRouter } from '../router.js';
import { jsonText } from '../routers/inputs.js';
import type { Meta } from '../trpc.js';
import type { Permission } from '../roles.js';
import { must } from '@ferry/core';

export interface ProcedureShape {
  path: string;
  type: 'query' | 'mutation';
  permission: Permission | 'public';
  /** The input schema, or undefined for a procedure without input. */
  input: unknown;
}

export const PROCEDURES: ProcedureShape[] = Object.entries(
  appRouter._def.procedures as unknown as Record<
    string,
    { _def: { meta?: Meta; type: 'query' | 'mutation'; inputs: unknown[] } }
  >,
).map(([path, p]) => ({
  path,
  type: p._def.type,
  permission: p._def.meta?.permission ?? 'public',
  input: p._def.inputs[0],
}));

/** Call the procedure at dotted `path` on an in-process caller. */
export function callProcedure(caller: object, path: string, input: unknown): Promise<unknown> {
  let target: unknown = caller;
  for (const part of path.split('.')) target = (target as Record<string, unknown>)[part];
  return (target as (input: unknown) => Promise<unknown>)(input);
}

interface Def {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  options?: unknown[];
  element?: unknown;
  entries?: Record<string, unknown>;
  values?: unknown[];
}
const defOf = (schema: unknown): Def | undefined =>
  (schema as { _zod?: { def: Def } } | undefined)?._zod?.def;

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch']);

/**
 * An input shaped as `schema` asks: fields named in `known` take that value (a real automation
 * name, a dialog id…), other fields a value of their type.
 */
export function sampleInput(
  schema: unknown,
  known: Readonly<Record<string, unknown>>,
  field = '',
): unknown {
  const def = defOf(schema);
  if (def === undefined) return undefined;
  if (def.type !== 'object' && Object.hasOwn(known, field)) return structuredClone(known[field]);
  if (WRAPPERS.has(def.type)) return sampleInput(def.innerType, known, field);
  switch (def.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(def.shape ?? {})) {
        const v = sampleInput(value, known, key);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    case 'pipe':
      return sampleInput(def.in, known, field);
    case 'union':
      return sampleInput(must(def.options, 'def.options')[0], known, field);
    case 'array':
      return [sampleInput(def.element, known, field)];
    case 'string':
      return 'x';
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'enum':
      return Object.values(def.entries ?? {})[0];
    case 'literal':
      return def.values?.[0];
    default:
      return {};
  }
}

/** The dotted paths of every text input in `schema` (array elements as `.0`). */
export function textFields(schema: unknown, path: string[] = []): string[] {
  const def = defOf(schema);
  if (def === undefined || schema === jsonText) return [];
  if (WRAPPERS.has(def.type)) return textFields(def.innerType, path);
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([k, v]) => textFields(v, [...path, k]));
    case 'pipe':
      return textFields(def.in, path);
    case 'union':
      return [...new Set(must(def.options, 'def.options').flatMap((o) => textFields(o, path)))];
    case 'array':
      return textFields(def.element, [...path, '0']);
    case 'string':
      return [path.join('.')];
    default:
      return [];
  }
}

/** `value` with the field at dotted `path` set to `replacement` (a deep copy; keys kept as data). */
export function withField(value: unknown, path: string, replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const parts = path.split('.');
  let target = copy;
  for (const part of parts.slice(0, -1)) target = target[part] as Record<string, unknown>;
  Object.defineProperty(target, must(parts[parts.length - 1], 'parts[parts.length - 1]'), {
    value: replacement,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}
