// Conversation Builder export JSON <-> Ferry content. Exact: the export text of an import is the
// imported text (key order, number lexemes), except the identity fields, which are taken out on
// import (their places noted) and written back from the target automation on export.
import {
  CB_KEY_ORDER,
  IDENTITY_FIELDS,
  entityId,
  interactionsInOrder,
  orderRuns,
  type BotContent,
  type DialogContent,
  type ExportFormat,
  type IdentityPlace,
} from './content.js';
import {
  attachRaw,
  compactJson,
  insertMember,
  mayNotRoundTrip,
  membersOf,
  rawText,
  reindent,
  skipString,
  skipValue,
  skipWs,
  withoutMembers,
} from './lexical.js';
import {
  JsonShapeError,
  MAX_DEPTH,
  isJsonObject,
  setKey,
  toCanonical,
  type JsonObject,
  type JsonValue,
} from './json.js';
import { exportProblem, notACbExport } from './export-problems.js';
import { err, ok, type Result } from './result.js';
import { must } from './must.js';

export interface ImportLimits {
  /** Largest accepted export, in bytes of JSON text (default 50 MB). */
  maxBytes?: number;
  /** Deepest accepted nesting (default 64). */
  maxDepth?: number;
}

export interface ImportedBot {
  content: BotContent;
  /** The identity the export carried: `bot.id` and `bot.name`. */
  botId: string | null;
  name: string | null;
  /** What was imported but deserves a look (an interaction whose dialog is missing). */
  warnings: ImportWarning[];
}

export interface ImportWarning {
  /** JSON pointer into the export. */
  path: string;
  message: string;
}

export interface BotIdentity {
  id: string;
  name: string;
}

/** The largest CB export an import takes (also the default `maxBytes`). */
export const CB_EXPORT_MAX_BYTES = 50 * 1024 * 1024;

/** Parse a CB export (JSON text or an already parsed value) into Ferry content. */
export function importCbExport(
  input: string | unknown,
  limits: ImportLimits = {},
): Result<ImportedBot> {
  const maxBytes = limits.maxBytes ?? CB_EXPORT_MAX_BYTES;
  const maxDepth = limits.maxDepth ?? MAX_DEPTH;
  let parsed: unknown = input;
  const text = typeof input === 'string' ? input : null;
  if (text !== null) {
    // A cheap bound first (a UTF-16 unit is 1 to 3 UTF-8 bytes); count exactly only when close.
    if (text.length > maxBytes || (text.length * 3 > maxBytes && utf8Length(text) > maxBytes))
      return err('VALIDATION', `The file is larger than the limit of ${formatBytes(maxBytes)}.`, {
        path: '',
      });
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return err('VALIDATION', `The file is not valid JSON: ${(e as Error).message}.`, {
        path: '',
      });
    }
  }
  // One validating pass; a value handed in already parsed is copied (content must not share it).
  let doc: JsonValue;
  try {
    if (!isPlainJson(parsed, 0, maxDepth)) toCanonical(parsed, maxDepth);
    doc = text === null ? (JSON.parse(JSON.stringify(parsed)) as JsonValue) : (parsed as JsonValue);
  } catch (e) {
    if (!(e instanceof JsonShapeError)) throw e;
    return fieldError(e.path, exportProblem.at(e.path, e.message));
  }
  if (!isJsonObject(doc)) return fieldError('', 'it holds a JSON value that is not an object');
  // Where each top-level value starts in the text, to keep the exact text of what JSON.parse loses.
  const layout = text === null || !mayNotRoundTrip(text) ? null : topLevelLayout(text);

  const bot = doc.bot;
  if (!isJsonObject(bot))
    return fieldError(
      '/bot',
      bot === undefined ? exportProblem.missingSection('bot') : exportProblem.notObject('/bot'),
    );
  for (const key of ['id', 'name'] as const) {
    if (bot[key] !== undefined && typeof bot[key] !== 'string')
      return fieldError(`/bot/${key}`, exportProblem.notText(`/bot/${key}`));
  }
  // Everything else is content, kept losslessly; the name becomes the automation's (database text).
  if (typeof bot.name === 'string' && (bot.name.includes('\u0000') || /\p{Cs}/u.test(bot.name)))
    return fieldError(
      '/bot/name',
      "the bot's “name” contains U+0000 or a lone UTF-16 surrogate, which an automation's name cannot hold",
    );
  const botId = typeof bot.id === 'string' ? bot.id : null;
  for (const key of ['groups', 'conversationMessage'] as const) {
    if (!Array.isArray(doc[key]))
      return fieldError(
        `/${key}`,
        doc[key] === undefined
          ? exportProblem.missingSection(key)
          : exportProblem.notList(`/${key}`),
      );
  }
  const format: ExportFormat = {
    keys: Object.keys(doc),
    botId: null,
    botName: null,
    identity: {},
  };
  const places = new Map<string, Map<string, IdentityPlace>>();
  const exact = (key: string, value: JsonValue[]) =>
    layout === null ? null : elementTexts(must(text, 'text'), layout.get(key), value);
  /** The entity as content: identity taken out (its place noted), exact text attached. */
  const entity = (
    value: JsonObject,
    raw: string | undefined,
    section: string,
    ref: string,
  ): JsonObject => {
    const imported = importEntity(value, raw, section, botId);
    if (imported.place !== undefined) notePlace(places, section, ref, imported.place);
    return imported.value;
  };

  const dialogs: DialogContent[] = [];
  const dialogById = new Map<string, DialogContent>();
  const groups = doc.groups as JsonValue[];
  const groupTexts = exact('groups', groups);
  for (let i = 0; i < groups.length; i++) {
    const path = `/groups/${i}`;
    const g = groups[i];
    const id = requireId(g, path);
    if (typeof id !== 'string') return id;
    if (dialogById.has(id)) return fieldError(`${path}/id`, exportProblem.repeatedId(path, id));
    const dialog: DialogContent = {
      dialog: entity(g as JsonObject, groupTexts?.[i], 'groups', id),
      interactions: [],
    };
    dialogs.push(dialog);
    dialogById.set(id, dialog);
  }

  const messages = doc.conversationMessage as JsonValue[];
  const messageTexts = exact('conversationMessage', messages);
  const seen = new Set<string>();
  const groupOfEach: string[] = [];
  const orphans: JsonObject[] = [];
  const warnings: ImportWarning[] = [];
  for (let i = 0; i < messages.length; i++) {
    const path = `/conversationMessage/${i}`;
    const m = messages[i];
    const id = requireId(m, path);
    if (typeof id !== 'string') return id;
    if (seen.has(id)) return fieldError(`${path}/id`, exportProblem.repeatedId(path, id));
    seen.add(id);
    const group = (m as JsonObject).group;
    if (typeof group !== 'string') return fieldError(`${path}/group`, exportProblem.noDialog(path));
    const interaction = entity(m as JsonObject, messageTexts?.[i], 'conversationMessage', id);
    const dialog = dialogById.get(group);
    if (dialog === undefined) {
      warnings.push({
        path: `${path}/group`,
        message: `Interaction "${id}" points at dialog "${group}", which does not exist: it is kept and exported again as it is, but no dialog shows it.`,
      });
      orphans.push(interaction);
    } else dialog.interactions.push(interaction);
    groupOfEach.push(group);
  }

  const sections: Record<string, JsonValue> = {};
  for (const key of Object.keys(doc)) {
    if (key === 'bot' || key === 'groups' || key === 'conversationMessage') continue;
    const value = doc[key] as JsonValue;
    if (key === 'responder') {
      if (!Array.isArray(value))
        return fieldError('/responder', exportProblem.notList('/responder'));
      const ids = new Set<string>();
      for (let i = 0; i < value.length; i++) {
        const id = requireId(value[i], `/responder/${i}`);
        if (typeof id !== 'string') return id;
        if (ids.has(id))
          return fieldError(`/responder/${i}/id`, exportProblem.repeatedId(`/responder/${i}`, id));
        ids.add(id);
      }
    }
    let kept: JsonValue = value;
    if (Array.isArray(value)) {
      const texts = exact(key, value);
      kept = value.map((e, i) =>
        isJsonObject(e) ? entity(e, texts?.[i], key, entityId(e) ?? `#${i}`) : e,
      );
    } else if (isJsonObject(value)) {
      const texts =
        layout === null ? null : elementTexts(must(text, 'text'), layout.get(key), null);
      kept = entity(value, texts?.[0], key, '#');
    }
    setKey(sections, key, kept);
  }

  // The bot: its id and name belong to the automation, the rest is settings.
  const botRaw =
    layout === null ? undefined : elementTexts(must(text, 'text'), layout.get('bot'), null)?.[0];
  const taken = takeOut(bot, botRaw, ['id', 'name']);
  format.botId = taken.place[0] ?? null;
  format.botName = taken.place[1] ?? null;
  const settings =
    taken.strippedRaw === undefined ? taken.stripped : attachRaw(taken.stripped, taken.strippedRaw);
  for (const [section, bySection] of places)
    format.identity[section] = identityFormat(
      new Map([...bySection].map(([ref, place]) => [ref, JSON.stringify(place)])),
    );

  const order = orderRuns(
    dialogs.map((d) => d.dialog.id as string),
    groupOfEach,
  );
  return ok({
    content: {
      settings,
      dialogs,
      sections,
      order,
      ...(orphans.length > 0 ? { orphans } : {}),
      format,
    },
    botId,
    name: typeof bot.name === 'string' ? bot.name : null,
    warnings,
  });
}

/**
 * An entity of `section` as content: its identity field taken out when it holds the export's bot
 * id (`place`: where it stood), or kept; `place` is null when the section has an identity field the
 * entity lacks, and undefined when nothing is to be noted. `raw` (the exact text) is attached.
 */
export function importEntity(
  value: JsonObject,
  raw: string | undefined,
  section: string,
  botId: string | null,
): { value: JsonObject; place: IdentityPlace | undefined } {
  const key = IDENTITY_FIELDS.get(section);
  if (key === undefined || !Object.hasOwn(value, key) || botId === null || value[key] !== botId) {
    const place = key !== undefined && !Object.hasOwn(value, key) ? null : undefined;
    return { value: raw === undefined ? value : attachRaw(value, raw), place };
  }
  const { place, stripped, strippedRaw } = takeOut(value, raw, [key]);
  return {
    value: strippedRaw === undefined ? stripped : attachRaw(stripped, strippedRaw),
    place: must(place[0], 'place'),
  };
}

/**
 * A section's identity format from each entity's place (by reference, as JSON text): the most
 * frequent place (the first seen of equally frequent ones), and the references that differ.
 */
export function identityFormat(places: ReadonlyMap<string, string>): IdentityFormat {
  const counts = new Map<string, number>();
  for (const k of places.values()) counts.set(k, (counts.get(k) ?? 0) + 1);
  return identityOfCounts(counts, (usual) => [...places].filter(([, place]) => place !== usual));
}

export interface IdentityFormat {
  at: IdentityPlace;
  except?: Record<string, IdentityPlace>;
}

/**
 * identityFormat from how often each place occurs (in the order first seen) and the references
 * whose place is not the usual one.
 */
export function identityOfCounts(
  counts: ReadonlyMap<string, number>,
  others: (usual: string) => Iterable<[ref: string, place: string]>,
): IdentityFormat {
  const usual = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'null';
  const except: Record<string, IdentityPlace> = {};
  for (const [ref, place] of others(usual)) setKey(except, ref, JSON.parse(place) as IdentityPlace);
  return {
    at: JSON.parse(usual) as IdentityPlace,
    ...(Object.keys(except).length > 0 ? { except } : {}),
  };
}

function notePlace(
  places: Map<string, Map<string, IdentityPlace>>,
  section: string,
  ref: string,
  place: IdentityPlace,
): void {
  let bySection = places.get(section);
  if (bySection === undefined) places.set(section, (bySection = new Map()));
  bySection.set(ref, place);
}

/** The entity without `keys`, where each stood, and its exact text without them (when it has one). */
export function takeOut(
  value: JsonObject,
  raw: string | undefined,
  keys: string[],
): { stripped: JsonObject; strippedRaw: string | undefined; place: IdentityPlace[] } {
  const stripped: JsonObject = {};
  for (const k in value) if (!keys.includes(k)) setKey(stripped, k, must(value[k], 'value[k]'));
  if (raw === undefined) {
    const order = Object.keys(value);
    return { stripped, strippedRaw: undefined, place: keys.map((k) => placeIn(order, k)) };
  }
  const members = membersOf(raw);
  const order = members.map((m) => m.key);
  const at = keys.map((k) => order.indexOf(k)).filter((i) => i >= 0);
  return {
    stripped,
    strippedRaw: withoutMembers(raw, members, at),
    place: keys.map((k) => placeIn(order, k)),
  };
}

function placeIn(order: string[], key: string): IdentityPlace {
  const at = order.indexOf(key);
  if (at < 0) return null;
  return at === 0 ? 0 : [must(order[at - 1], 'order[at - 1]')];
}

interface ValueSpan {
  start: number;
  end: number;
  /** The whitespace that starts the line the value starts on. */
  indent: string;
}

/** Where each top-level value of the export text starts and ends. */
function topLevelLayout(text: string): Map<string, ValueSpan> {
  const out = new Map<string, ValueSpan>();
  let i = skipWs(text, 0) + 1;
  for (;;) {
    const before = i;
    i = skipWs(text, i);
    if (text.charCodeAt(i) !== 0x22) break;
    const indent = lineIndent(text, before, i);
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    const start = skipWs(text, skipWs(text, keyEnd) + 1);
    const end = skipValue(text, start);
    out.set(key, { start, end, indent });
    i = skipWs(text, end);
    if (text.charCodeAt(i) !== 0x2c) break;
    i++;
  }
  return out;
}

const lineIndent = (text: string, from: number, to: number): string => {
  const ws = text.slice(from, to);
  return ws.slice(ws.lastIndexOf('\n') + 1);
};

/**
 * The exact compact text of each element of the array at `span` (or of the value itself when
 * `values` is null), undefined where JSON.stringify gives it back anyway. Printed as CB prints
 * (JSON.stringify with 2 spaces), each value is checked by one comparison; only values that differ
 * are scanned.
 */
function elementTexts(
  text: string,
  span: ValueSpan | undefined,
  values: JsonValue[] | null,
): (string | undefined)[] | null {
  if (span === undefined) return null;
  // A number's text may go on after what JSON.stringify gives (`1.0` starts with `1`): its own end
  // is looked for.
  const whole = (value: JsonValue, end: number) =>
    typeof value !== 'number' || !isNumberChar(text.charCodeAt(end));
  const exactText = (value: JsonValue, start: number, indent: string) => {
    const compact = text.charCodeAt(start + 1) !== 0x0a && JSON.stringify(value);
    if (
      compact !== false &&
      text.startsWith(compact, start) &&
      whole(value, start + compact.length)
    )
      return { end: start + compact.length, raw: undefined };
    let expected = JSON.stringify(value, null, 2);
    if (indent !== '') expected = expected.replaceAll('\n', '\n' + indent);
    if (text.startsWith(expected, start) && whole(value, start + expected.length))
      return { end: start + expected.length, raw: undefined };
    const end = skipValue(text, start);
    return { end, raw: exactRaw(text.slice(start, end), value) };
  };
  if (values === null) {
    const value = JSON.parse(text.slice(span.start, span.end)) as JsonValue;
    return [exactText(value, span.start, span.indent).raw];
  }
  const out: (string | undefined)[] = new Array(values.length);
  let i = span.start + 1;
  for (let n = 0; n < values.length; n++) {
    const before = i;
    i = skipWs(text, i);
    const { end, raw } = exactText(values[n] as JsonValue, i, lineIndent(text, before, i));
    out[n] = raw;
    i = skipWs(text, end) + 1;
  }
  return out;
}

/** A character that can continue a number's text: a digit, `.`, `e`, `E`, `+` or `-`. */
const isNumberChar = (c: number) =>
  (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;

/**
 * The exact compact text of a value read from `text` (its JSON text, whitespace and all) when
 * JSON.stringify would not give it back; undefined when it would.
 */
export function exactRaw(text: string, value: JsonValue): string | undefined {
  const raw = compactJson(text);
  return raw === JSON.stringify(value) ? undefined : raw;
}

/** True when `value` is plain JSON no deeper than `maxDepth` (key order does not matter). */
export function isPlainJson(value: unknown, depth: number, maxDepth: number): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return true;
  if (typeof value !== 'object' || depth >= maxDepth) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      if (!isPlainJson(value[i], depth + 1, maxDepth)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value)
    if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1, maxDepth)) return false;
  return true;
}

/** Write content as a CB export for the automation `identity` (values: numbers as JS has them). */
export function exportCbExport(content: BotContent, identity: BotIdentity): JsonObject {
  return buildExport(content, identity, null);
}

/**
 * The export as JSON text, indented like CB's own downloads (JSON.stringify with 2 spaces). An
 * imported export comes back exactly: key order, number and string lexemes, identity fields in
 * their places (byte-equal to an input printed that way, without its trailing newline).
 */
export function exportCbExportText(content: BotContent, identity: BotIdentity): string {
  const raws = new Map<JsonObject, string>();
  const doc = buildExport(content, identity, raws);
  if (raws.size === 0) return JSON.stringify(doc, null, 2);
  const print = (value: JsonValue, level: number): string => {
    const raw = isJsonObject(value) ? raws.get(value) : undefined;
    if (raw !== undefined) return reindent(raw, level);
    const plain = JSON.stringify(value, null, 2);
    return level === 0 ? plain : plain.replaceAll('\n', '\n' + '  '.repeat(level));
  };
  const members = Object.keys(doc).map((key) => {
    const value = must(doc[key], 'doc[key]');
    const printed =
      Array.isArray(value) && value.length > 0
        ? '[\n    ' + value.map((e) => print(e, 2)).join(',\n    ') + '\n  ]'
        : print(value, 1);
    return `  ${JSON.stringify(key)}: ${printed}`;
  });
  return members.length === 0 ? '{}' : '{\n' + members.join(',\n') + '\n}';
}

function buildExport(
  content: BotContent,
  identity: BotIdentity,
  raws: Map<JsonObject, string> | null,
): JsonObject {
  const format = content.format;
  const place = (section: string, entity: JsonObject, ref: string): IdentityPlace | undefined => {
    const f = format?.identity[section];
    if (f === undefined) return undefined;
    const except = f.except;
    return except !== undefined && Object.hasOwn(except, ref) ? except[ref] : f.at;
  };
  const identify = (section: string, entity: JsonValue, ref: string): JsonValue => {
    if (!isJsonObject(entity)) return entity;
    const key = IDENTITY_FIELDS.get(section);
    const raw = raws === null ? undefined : rawText(entity);
    if (key === undefined || Object.hasOwn(entity, key)) {
      if (raw !== undefined) must(raws, 'raws').set(entity, raw);
      return entity;
    }
    return placeMembers(entity, raw, [[key, identity.id, place(section, entity, ref)]], raws);
  };
  const sectionValue = (key: string, value: JsonValue): JsonValue =>
    Array.isArray(value)
      ? value.map((e, i) => identify(key, e, entityId(e) ?? `#${i}`))
      : identify(key, value, '#');

  const present = new Set<string>(['bot', 'groups', 'conversationMessage']);
  for (const key of Object.keys(content.sections)) present.add(key);
  const keys: string[] = [];
  for (const key of format?.keys ?? []) if (present.delete(key)) keys.push(key);
  for (const key of CB_KEY_ORDER) if (present.delete(key)) keys.push(key);
  keys.push(...present);

  const out: JsonObject = {};
  for (const key of keys) {
    let value: JsonValue;
    if (key === 'bot') {
      const fields: [string, string, IdentityPlace | undefined][] = [
        ['id', identity.id, format === undefined ? 0 : format.botId],
        ['name', identity.name, format === undefined ? ['id'] : format.botName],
      ];
      // The one placed after the other goes in second.
      if (format !== undefined && isAfter(format.botId, 'name')) fields.reverse();
      value = placeMembers(
        content.settings,
        raws === null ? undefined : rawText(content.settings),
        fields,
        raws,
      );
    } else if (key === 'groups')
      value = content.dialogs.map((d) => identify('groups', d.dialog, entityId(d.dialog) ?? ''));
    else if (key === 'conversationMessage')
      value = interactionsInOrder(content).map((m) =>
        identify('conversationMessage', m, entityId(m) ?? ''),
      );
    else value = sectionValue(key, must(content.sections[key], 'content.sections[key]'));
    setKey(out, key, value);
  }
  return out;
}

const isAfter = (place: IdentityPlace | undefined, key: string) =>
  Array.isArray(place) && place[0] === key;

/**
 * The entity with each [key, value, place] added: at its place (after the key named, first, or
 * last when no format says), or left out when the imported export had none.
 */
function placeMembers(
  entity: JsonObject,
  raw: string | undefined,
  fields: [string, string, IdentityPlace | undefined][],
  raws: Map<JsonObject, string> | null,
): JsonObject {
  let out = entity;
  let text = raw;
  for (const [key, value, place] of fields) {
    if (place === null || Object.hasOwn(out, key)) continue;
    out = withMember(out, key, value, place);
    if (text !== undefined)
      text = insertMember(
        text,
        place === undefined ? null : place === 0 ? 0 : place[0],
        JSON.stringify(key) + ':' + JSON.stringify(value),
      );
  }
  if (text !== undefined && raws !== null) raws.set(out, text);
  return out;
}

/** A copy of `entity` with `key` at `place` (last when undefined or when the key named is gone). */
function withMember(
  entity: JsonObject,
  key: string,
  value: string,
  place: IdentityPlace | undefined,
): JsonObject {
  const out: JsonObject = {};
  if (place === 0) setKey(out, key, value);
  let placed = place === 0;
  const after = Array.isArray(place) ? place[0] : undefined;
  for (const k in entity) {
    setKey(out, k, entity[k] as JsonValue);
    if (k === after) {
      setKey(out, key, value);
      placed = true;
    }
  }
  if (!placed) setKey(out, key, value);
  return out;
}

function requireId(
  value: JsonValue | undefined,
  path: string,
): string | { ok: false; error: ReturnType<typeof err>['error'] } {
  if (!isJsonObject(value)) return fieldError(path, exportProblem.notObject(path));
  if (typeof value.id !== 'string' || value.id === '')
    return fieldError(`${path}/id`, exportProblem.noId(path));
  return value.id;
}

/** A refusal of the file, naming what is wrong (`problem`) at `path`, the JSON pointer kept. */
const fieldError = (path: string, problem: string) =>
  err('VALIDATION', notACbExport(problem), { path });

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${n} bytes`;
}

/** UTF-8 byte length of a string, without allocating its bytes. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else bytes += 3;
  }
  return bytes;
}
