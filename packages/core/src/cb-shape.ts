// Readers for CB export JSON, whose shapes vary from export to export: each takes any value and
// gives a neutral one (an empty object, list or nothing) for what it does not expect, never throwing.
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

// Also here for code that imports only the `@ferry/core/cb-shape` entry.
export { isJsonObject };
export type { JsonObject, JsonValue };

/** `value` if it is a JSON object, else an empty one. */
export const asObject = (value: unknown): JsonObject => (isJsonObject(value) ? value : {});

/** `value` if it is a list, else an empty one. */
export const asArray = (value: unknown): JsonValue[] => (Array.isArray(value) ? value : []);

/** `value` if it is a string with something other than white space in it. */
export const nonBlank = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;

/** The cards of an interaction's message (`content.results.tile.tileData`). */
export const tileData = (interaction: unknown): JsonValue[] =>
  asArray(asObject(asObject(asObject(asObject(interaction).content).results).tile).tileData);

/** The fields of a CB interaction that hold bot code, with the label CB's editor gives them. */
export const INTERACTION_CODE_FIELDS: readonly { key: string; label: string }[] = [
  { key: 'preProcessMessage', label: 'Pre-process code' },
  { key: 'postProcessMessage', label: 'Post-process code' },
  { key: 'processUserResponse', label: 'Process user response code' },
];
