// Which texts of a CB interaction a person edits in plain fields (name, message text, titles,
// buttons, quick replies, choices), and how an edit form's values go back into the interaction's
// JSON. Everything else is edited as the interaction's full JSON. Pure: used by page and actions.
import {
  asArray,
  asObject,
  isJsonObject,
  tileData,
  type JsonObject,
  type JsonValue as Json,
} from '@ferry/core/cb-shape';
import { must } from '@ferry/core';

export type { JsonObject };

export interface EditableField {
  /** Where the text lives, as a dotted path (`content.results.tile.tileData.0.text`). */
  path: string;
  label: string;
  value: string;
  /** Message texts may span lines; names and titles are one line. */
  multiline: boolean;
}

/** The texts of an interaction worth a field of their own, in the order CB's editor shows them. */
export function editableFields(interaction: JsonObject): EditableField[] {
  const fields: EditableField[] = [];
  const add = (path: string, label: string, value: Json | undefined, multiline = false) => {
    if (typeof value === 'string') fields.push({ path, label, value, multiline });
  };
  add('name', 'Name', interaction.name ?? '');
  const tiles = tileData(interaction);
  const many = tiles.length > 1;
  let buttons = 0;
  let replies = 0;
  let choices = 0;
  tiles.forEach((raw, t) => {
    const tile = asObject(raw);
    const at = `content.results.tile.tileData.${t}`;
    const of = many ? ` (card ${t + 1})` : '';
    add(`${at}.title`, `Title${of}`, tile.title);
    add(`${at}.subTitle`, `Subtitle${of}`, tile.subTitle);
    add(`${at}.text`, `Message text${of}`, tile.text, true);
    asArray(tile.buttons).forEach((b, i) => {
      const button = asObject(b);
      const key = typeof button.title === 'string' ? 'title' : 'name';
      add(`${at}.buttons.${i}.${key}`, `Button ${++buttons}`, button[key]);
    });
    asArray(tile.quickReplyList).forEach((q, i) =>
      add(`${at}.quickReplyList.${i}.title`, `Quick reply ${++replies}`, asObject(q).title),
    );
    asArray(asObject(tile.multipleChoice).multipleChoices).forEach((c, i) =>
      add(`${at}.multipleChoice.multipleChoices.${i}`, `Choice ${++choices}`, c),
    );
  });
  asArray(interaction.quickReplies).forEach((q, i) =>
    add(`quickReplies.${i}.title`, `Quick reply ${++replies}`, asObject(q).title),
  );
  return fields;
}

/**
 * Sets the text at `path`, only where its container already exists (an edit of the JSON may have
 * removed it: then the JSON wins). Returns whether it was set.
 */
export function setAt(target: JsonObject, path: string, value: string): boolean {
  const keys = path.split('.');
  let node: Json = target;
  for (const key of keys.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(key)] ?? null;
    else if (isJsonObject(node)) node = node[key] ?? null;
    else return false;
  }
  const last = must(keys[keys.length - 1], 'keys[keys.length - 1]');
  if (Array.isArray(node)) {
    const i = Number(last);
    if (!Number.isInteger(i) || i < 0 || i >= node.length) return false;
    node[i] = value;
    return true;
  }
  if (!isJsonObject(node)) return false;
  node[last] = value;
  return true;
}

export type ParsedContent = { ok: true; interaction: JsonObject } | { ok: false; message: string };

/** The "Content (JSON)" field: a JSON object, or the reason it is not one. */
export function parseContent(text: string): ParsedContent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `The content is not valid JSON: ${(e as Error).message}.` };
  }
  if (!isJsonObject(value))
    return { ok: false, message: 'The content must be a JSON object ({ … }).' };
  return { ok: true, interaction: value };
}

/**
 * The interaction an edit form describes: its JSON, with every field the person changed (value
 * differs from the one the page showed) written over it, and its id kept (an id edited in the
 * JSON would address another interaction).
 */
export function applyFieldEdits(
  json: JsonObject,
  id: string,
  edits: readonly { path: string; value: string; shown: string }[],
): JsonObject {
  const next = structuredClone(json);
  for (const edit of edits) if (edit.value !== edit.shown) setAt(next, edit.path, edit.value);
  next.id = id;
  return next;
}

/** The order after moving `id` one place up or down; null when it cannot move that way. */
export function moved(order: readonly string[], id: string, by: -1 | 1): string[] | null {
  const from = order.indexOf(id);
  const to = from + by;
  if (from < 0 || to < 0 || to >= order.length) return null;
  const next = [...order];
  [next[from], next[to]] = [must(next[to], 'next[to]'), must(next[from], 'next[from]')];
  return next;
}
