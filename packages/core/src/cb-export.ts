// Conversation Builder export JSON <-> Ferry content. Lossless except the identity fields, which
// are taken out on import and written back from the target automation on export.
import {
  CB_KEY_ORDER,
  IDENTITY_FIELDS,
  interactionsInOrder,
  orderRuns,
  type BotContent,
  type DialogContent,
} from './content.js';
import {
  JsonShapeError,
  MAX_DEPTH,
  isJsonObject,
  setKey,
  toCanonical,
  type JsonObject,
  type JsonValue,
} from './json.js';
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
}

export interface BotIdentity {
  id: string;
  name: string;
}

const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

/** Parse a CB export (JSON text or an already parsed value) into Ferry content. */
export function importCbExport(
  input: string | unknown,
  limits: ImportLimits = {},
): Result<ImportedBot> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  let parsed: unknown = input;
  if (typeof input === 'string') {
    // A cheap bound first (a UTF-16 unit is 1 to 3 UTF-8 bytes); count exactly only when close.
    if (input.length > maxBytes || (input.length * 3 > maxBytes && utf8Length(input) > maxBytes))
      return err('VALIDATION', `The export is larger than the limit of ${formatBytes(maxBytes)}.`, {
        path: '',
      });
    try {
      parsed = JSON.parse(input);
    } catch (e) {
      return err('VALIDATION', `The export is not valid JSON: ${(e as Error).message}.`, {
        path: '',
      });
    }
  }
  // One validating pass that also sorts keys: every entity below is already canonical JSON.
  let doc: JsonValue;
  try {
    doc = toCanonical(parsed, limits.maxDepth ?? MAX_DEPTH);
  } catch (e) {
    if (!(e instanceof JsonShapeError)) throw e;
    return err('VALIDATION', `${describe(e.path)} ${e.message}.`, { path: e.path });
  }
  if (!isJsonObject(doc))
    return err('VALIDATION', 'The export must be a JSON object.', { path: '' });

  const bot = doc.bot;
  if (!isJsonObject(bot))
    return fieldError('/bot', bot === undefined ? 'is missing' : 'must be an object');
  for (const key of ['id', 'name'] as const) {
    if (bot[key] !== undefined && typeof bot[key] !== 'string')
      return fieldError(`/bot/${key}`, 'must be a string');
  }
  // Everything else is content, kept losslessly; the name becomes the automation's (database text).
  if (typeof bot.name === 'string' && (bot.name.includes('\u0000') || /\p{Cs}/u.test(bot.name)))
    return fieldError(
      '/bot/name',
      "must not contain U+0000 or a lone UTF-16 surrogate (it becomes the automation's name)",
    );
  const botId = typeof bot.id === 'string' ? bot.id : null;
  for (const key of ['groups', 'conversationMessage'] as const) {
    if (!Array.isArray(doc[key]))
      return fieldError(`/${key}`, doc[key] === undefined ? 'is missing' : 'must be an array');
  }

  const dialogs: DialogContent[] = [];
  const dialogById = new Map<string, DialogContent>();
  const groups = doc.groups as JsonValue[];
  for (let i = 0; i < groups.length; i++) {
    const path = `/groups/${i}`;
    const g = groups[i];
    const id = requireId(g, path);
    if (typeof id !== 'string') return id;
    if (dialogById.has(id)) return fieldError(`${path}/id`, `repeats the dialog id "${id}"`);
    const dialog: DialogContent = {
      dialog: stripIdentity(g as JsonObject, 'chatBotId', botId),
      interactions: [],
    };
    dialogs.push(dialog);
    dialogById.set(id, dialog);
  }

  const messages = doc.conversationMessage as JsonValue[];
  const seen = new Set<string>();
  const groupOfEach: string[] = [];
  for (let i = 0; i < messages.length; i++) {
    const path = `/conversationMessage/${i}`;
    const m = messages[i];
    const id = requireId(m, path);
    if (typeof id !== 'string') return id;
    if (seen.has(id)) return fieldError(`${path}/id`, `repeats the interaction id "${id}"`);
    seen.add(id);
    const group = (m as JsonObject).group;
    if (typeof group !== 'string')
      return fieldError(`${path}/group`, 'must name the dialog (a string)');
    const dialog = dialogById.get(group);
    if (dialog === undefined)
      return fieldError(`${path}/group`, `points at dialog "${group}", which does not exist`);
    dialog.interactions.push(stripIdentity(m as JsonObject, 'chatBotId', botId));
    groupOfEach.push(group);
  }

  const sections: Record<string, JsonValue> = {};
  for (const key of Object.keys(doc)) {
    if (key === 'bot' || key === 'groups' || key === 'conversationMessage') continue;
    const value = doc[key] as JsonValue;
    const identityKey = IDENTITY_FIELDS.get(key);
    if (key === 'responder') {
      if (!Array.isArray(value)) return fieldError('/responder', 'must be an array');
      const ids = new Set<string>();
      for (let i = 0; i < value.length; i++) {
        const id = requireId(value[i], `/responder/${i}`);
        if (typeof id !== 'string') return id;
        if (ids.has(id))
          return fieldError(`/responder/${i}/id`, `repeats the integration id "${id}"`);
        ids.add(id);
      }
    }
    setKey(
      sections,
      key,
      identityKey === undefined
        ? value
        : Array.isArray(value)
          ? value.map((e) => (isJsonObject(e) ? stripIdentity(e, identityKey, botId) : e))
          : isJsonObject(value)
            ? stripIdentity(value, identityKey, botId)
            : value,
    );
  }

  const { id: _id, name, ...settings } = bot;
  const order = orderRuns(
    dialogs.map((d) => d.dialog.id as string),
    groupOfEach,
  );
  return ok({
    content: { settings, dialogs, sections, order },
    botId,
    name: typeof name === 'string' ? name : null,
  });
}

/** Write content as a CB export for the automation `identity`. */
export function exportCbExport(content: BotContent, identity: BotIdentity): JsonObject {
  const out: JsonObject = {};
  const put = (key: string, value: JsonValue | undefined) => {
    if (value !== undefined) setKey(out, key, value);
  };
  const known = new Set<string>(CB_KEY_ORDER);
  for (const key of CB_KEY_ORDER) {
    switch (key) {
      case 'bot':
        out.bot = { id: identity.id, name: identity.name, ...content.settings };
        break;
      case 'groups':
        out.groups = content.dialogs.map((d) => withIdentity(d.dialog, 'chatBotId', identity.id));
        break;
      case 'conversationMessage':
        out.conversationMessage = interactionsInOrder(content).map((m) =>
          withIdentity(m, 'chatBotId', identity.id),
        );
        break;
      default:
        put(key, withSectionIdentity(key, content.sections[key], identity.id));
    }
  }
  for (const key of Object.keys(content.sections)) {
    if (!known.has(key)) put(key, content.sections[key]);
  }
  return out;
}

/** The export as JSON text, indented like CB's own downloads. */
export const exportCbExportText = (content: BotContent, identity: BotIdentity): string =>
  JSON.stringify(exportCbExport(content, identity), null, 2);

function withSectionIdentity(
  key: string,
  value: JsonValue | undefined,
  id: string,
): JsonValue | undefined {
  const identityKey = IDENTITY_FIELDS.get(key);
  if (identityKey === undefined || value === undefined) return value;
  if (Array.isArray(value))
    return value.map((e) => (isJsonObject(e) ? withIdentity(e, identityKey, id) : e));
  return isJsonObject(value) ? withIdentity(value, identityKey, id) : value;
}

function stripIdentity(entity: JsonObject, key: string, botId: string | null): JsonObject {
  if (botId === null || entity[key] !== botId) return entity;
  // A plain loop: destructuring with a computed key and a rest element is several times slower.
  const rest: JsonObject = {};
  for (const k in entity) if (k !== key) setKey(rest, k, must(entity[k], 'entity[k]'));
  return rest;
}

// A field with a foreign value (another bot's id) is content, not identity: it is kept as it is.
const withIdentity = (entity: JsonObject, key: string, id: string): JsonObject =>
  key in entity ? entity : { ...entity, [key]: id };

function requireId(
  value: JsonValue | undefined,
  path: string,
): string | { ok: false; error: ReturnType<typeof err>['error'] } {
  if (!isJsonObject(value)) return fieldError(path, 'must be an object');
  if (typeof value.id !== 'string' || value.id === '')
    return fieldError(`${path}/id`, 'must be a non-empty string');
  return value.id;
}

const fieldError = (path: string, reason: string) =>
  err('VALIDATION', `${describe(path)} ${reason}.`, { path });

const describe = (path: string) => (path === '' ? 'The export' : `"${path}"`);

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
