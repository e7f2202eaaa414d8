// Content fields and values as people name them: "Message text", "Quick reply 2 title", "Button 1
// URL" instead of a JSON pointer such as `/content/results/tile/tileData/0/text`; an epoch number
// of milliseconds (CB's `creationTime`, `modificationTime`…) as a date; CB's interaction and dialog
// types in words. The one home of these names for the web UI's diffs and previews and the CLI's
// text output. Pure; a path these rules do not know reads as its pointer in words
// (`/exportMetadata/tool` → "Export metadata › Tool").
import { INTERACTION_CODE_FIELDS, asArray, asObject } from './cb-shape.js';
import { formatUtc } from './rules.js';

/** What a field belongs to: a diff change's `kind`, and for sections their export key. */
export interface FieldOwner {
  kind: 'settings' | 'dialog' | 'interaction' | 'integration' | 'section' | 'order';
  /** Sections and integrations: the top-level export key (`globalFunctions`, `responder`…). */
  section?: string;
}

/** A JSON pointer's segments, unescaped (`~1` is `/`, `~0` is `~`). */
export function pointerSegments(path: string): string[] {
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const isIndex = (s: string | undefined): s is string => s !== undefined && /^(0|[1-9]\d*)$/.test(s);
const nth = (s: string) => Number(s) + 1;

/** Words CB's keys are made of that read better spelled out or cased. */
const WORDS: Record<string, string> = {
  id: 'ID',
  url: 'URL',
  nlp: 'NLU',
  nlu: 'NLU',
  api: 'API',
  json: 'JSON',
  http: 'HTTP',
  sub: 'sub',
};

/** A key in words: `disambiguteOnlySelectedDomains` → "Disambigute only selected domains". */
export function keyWords(key: string): string {
  const words = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => WORDS[w.toLowerCase()] ?? (/^[A-Z0-9]+$/.test(w) ? w : w.toLowerCase()));
  if (words.length === 0) return key === '' ? '(empty key)' : key;
  const [first = '', ...rest] = words;
  const cased =
    /^[A-Z0-9]+$/.test(first) && first.length > 1
      ? first
      : first[0]?.toUpperCase() + first.slice(1);
  return [cased, ...rest].join(' ');
}

/** Segments in words, a list index joined to the list's name: "Headers 2 › Value". */
export function readablePath(segments: readonly string[]): string {
  const parts: string[] = [];
  for (const s of segments) {
    if (isIndex(s) && parts.length > 0) parts[parts.length - 1] += ` ${nth(s)}`;
    else parts.push(isIndex(s) ? `Item ${nth(s)}` : keyWords(s));
  }
  return parts.join(' › ');
}

/** Keys every kind of entity shares. */
const COMMON: Record<string, string> = {
  name: 'Name',
  description: 'Description',
  status: 'Status',
  creationTime: 'Created',
  createdAt: 'Created',
  modificationTime: 'Last modified',
  updatedAt: 'Last modified',
  lastModifiedTime: 'Last modified',
};

const SETTINGS: Record<string, string> = {
  name: 'Bot name',
  chatBotType: 'Bot type',
  language: 'Language',
  getStartedButtonPayload: 'Get-started payload',
  sessionLength: 'Session length',
  skipNLP: 'Skip NLU',
  passThroughMode: 'Pass-through mode',
  transcriptDisabled: 'Transcript disabled',
  publicBot: 'Public bot',
  readOnly: 'Read only',
  demo: 'Demo bot',
  version: 'CB version',
  botAttributes: 'Bot attributes',
  entity: 'Entities',
};

const DIALOG: Record<string, string> = {
  name: 'Dialog name',
  dialogType: 'Dialog type',
  domainId: 'Domain',
  dialogTemplateIds: 'Dialog templates',
  disambiguteOnlySelectedDomains: 'Disambiguate only selected domains',
};

const INTERACTION: Record<string, string> = {
  name: 'Interaction name',
  interactionType: 'Interaction type',
  type: 'Message type',
  group: 'Dialog',
  nextMessageId: 'Next step',
  prevMessageId: 'Previous step',
  pattern: 'Starter patterns',
  intentId: 'Intent',
  userInputRequired: 'Waits for the user',
  required: 'Required',
  quickReplies: 'Quick replies',
  responseMatches: 'Response rules',
  ...Object.fromEntries(INTERACTION_CODE_FIELDS.map((f) => [f.key, f.label])),
};

const INTEGRATION: Record<string, string> = {
  name: 'Integration name',
  webhook: 'URL',
  method: 'HTTP method',
  postBody: 'Request body',
  headers: 'Headers',
  transformResultsScript: 'Transform script',
  responseDataVariable: 'Response variable',
  integrationType: 'Integration type',
  customDataFields: 'Custom data fields',
  fileUrl: 'File URL',
};

/** Sections whose entities hold code as one field. */
const SECTION_CODE: Record<string, Record<string, string>> = {
  globalFunctions: { methods: 'Code' },
  dialogTemplates: { globalFunctions: 'Code', name: 'Template name' },
};

const TILE: Record<string, string> = {
  title: 'title',
  subTitle: 'subtitle',
  image: 'image',
  imageUrl: 'image',
  text: 'text',
};

/** Labels of an interaction's message cards: `tileData/N/...`. */
function tileLabel(
  n: number,
  rest: readonly string[],
  entity: unknown,
  tilePath: string[],
): string {
  const card = `Card ${n + 1}`;
  const inCard = (label: string) => (n === 0 ? label : `${card} › ${label}`);
  const [key, i, field, ...more] = rest;
  if (key === undefined) return card;
  if (key === 'text' && rest.length === 1) return n === 0 ? 'Message text' : `${card} text`;
  if (TILE[key] !== undefined && rest.length === 1) return `${card} ${TILE[key]}`;
  const tile = asObject(
    asArray(
      tilePath.reduce<unknown>(
        (v, k) => (Array.isArray(v) ? v[Number(k)] : asObject(v)[k]),
        entity,
      ),
    )[n],
  );
  if (key === 'buttons') {
    if (!isIndex(i)) return inCard('Buttons');
    const button = `Button ${nth(i)}`;
    if (field === undefined) return inCard(button);
    if (field === 'callback' && more.length === 0) {
      const type = asObject(asArray(tile.buttons)[Number(i)]).type;
      return inCard(
        `${button} ${type === 'web_url' ? 'URL' : type === 'postback' ? 'payload' : 'action'}`,
      );
    }
    if ((field === 'title' || field === 'name') && more.length === 0)
      return inCard(`${button} title`);
    return inCard(`${button} › ${readablePath([field, ...more])}`);
  }
  if (key === 'quickReplyList') {
    if (!isIndex(i)) return inCard('Quick replies');
    const reply = `Quick reply ${nth(i)}`;
    if (field === undefined) return inCard(reply);
    return inCard(
      `${reply} ${field === 'title' && more.length === 0 ? 'title' : `› ${readablePath([field, ...more])}`}`,
    );
  }
  if (key === 'multipleChoice' && i === 'multipleChoices') {
    if (!isIndex(field)) return inCard('Choices');
    return inCard(`Choice ${nth(field)}${more.length > 0 ? ` › ${readablePath(more)}` : ''}`);
  }
  if (key === 'universalWidget' && i === 'leMessageJson' && rest.length === 2)
    return inCard('Rich content (JSON)');
  return `${card} › ${readablePath(rest)}`;
}

/** A quick reply, response rule or header list entry: "Quick reply 2 title". */
function listItem(noun: string, rest: readonly string[], fields: Record<string, string> = {}) {
  const [i, field, ...more] = rest;
  if (!isIndex(i)) return undefined;
  const item = `${noun} ${nth(i)}`;
  if (field === undefined) return item;
  if (more.length === 0 && fields[field] !== undefined) return `${item} ${fields[field]}`;
  return `${item} › ${readablePath([field, ...more])}`;
}

function interactionLabel(s: readonly string[], entity: unknown): string | undefined {
  const [first, ...rest] = s;
  if (first === undefined) return undefined;
  if (first === 'content') {
    const [a, b, c, d, n, ...tile] = rest;
    if (a === 'results' && b === 'tile' && c === 'tileData') {
      if (d === undefined) return 'Cards';
      if (isIndex(d))
        return tileLabel(
          Number(d),
          [n, ...tile].filter((x) => x !== undefined),
          entity,
          ['content', 'results', 'tile', 'tileData'],
        );
    }
    if (a === 'results' && b === 'type' && rest.length === 2) return 'Interaction type';
    if (a === 'contentType' && rest.length === 1) return 'Content type';
    if (a === 'responderId' && rest.length === 1) return 'Integration';
    if (a === 'responderName' && rest.length === 1) return 'Integration name';
    return undefined;
  }
  if (first === 'quickReplies')
    return rest.length === 0
      ? 'Quick replies'
      : listItem('Quick reply', rest, { title: 'title', payload: 'payload' });
  if (first === 'responseMatches') {
    const [i, field, sub, ...more] = rest;
    if (!isIndex(i)) return rest.length === 0 ? 'Response rules' : undefined;
    const rule = `Response rule ${nth(i)}`;
    if (field === undefined) return rule;
    if (field === 'name' && sub === undefined) return `${rule} name`;
    if (field === 'action' && sub === 'value' && more.length === 0) return `${rule} next step`;
    if (field === 'action' && sub === 'name' && more.length === 0) return `${rule} action`;
    if (field === 'conditions' && isIndex(sub))
      return `${rule} › Condition ${nth(sub)}${more.length > 0 ? ` › ${readablePath(more)}` : ''}`;
    return `${rule} › ${readablePath(rest.slice(1))}`;
  }
  if (first === 'pattern' && isIndex(rest[0]) && rest.length === 1)
    return `Starter pattern ${nth(rest[0])}`;
  if (rest.length === 0) return INTERACTION[first] ?? COMMON[first];
  return undefined;
}

function integrationLabel(s: readonly string[], entity: unknown): string | undefined {
  const [first, ...rest] = s;
  if (first === undefined) return undefined;
  if (first === 'headers' && rest.length > 0) {
    const [i, field] = rest;
    const key = isIndex(i) ? asObject(asArray(asObject(entity).headers)[Number(i)]).key : undefined;
    if (typeof key === 'string' && key.trim() !== '' && rest.length === 2)
      return `Header “${key}” ${field === 'key' ? 'name' : field === 'value' ? 'value' : keyWords(field ?? '').toLowerCase()}`;
    return listItem('Header', rest, { key: 'name', value: 'value' });
  }
  if (first === 'customDataFields' && rest.length > 0)
    return listItem('Custom data field', rest, { key: 'name', value: 'value' });
  if (first === 'results') {
    const [b, c, d, ...tile] = rest;
    if (b === 'tile' && c === 'tileData' && isIndex(d))
      return tileLabel(Number(d), tile, entity, ['results', 'tile', 'tileData']);
  }
  if (rest.length === 0) return INTEGRATION[first] ?? COMMON[first];
  return undefined;
}

/**
 * The field at JSON pointer `path` inside an entity of `owner`, as people name it: for an
 * interaction `/content/results/tile/tileData/0/text` is "Message text", `/quickReplies/1/title`
 * "Quick reply 2 title", `/content/results/tile/tileData/0/buttons/0/callback` "Button 1 URL" (when
 * the button, read from `entity` if given, opens a web page), `/preProcessMessage` "Pre-process
 * code", `/nextMessageId` "Next step"; a global function's `/methods` "Code". The empty path is the
 * whole entity. A path no rule knows reads as its pointer in words.
 */
export function fieldLabel(owner: FieldOwner, path: string, entity?: unknown): string {
  const s = pointerSegments(path);
  if (s.length === 0) return `The whole ${OWNER_NOUN[owner.kind]}`;
  const [first = ''] = s;
  let label: string | undefined;
  switch (owner.kind) {
    case 'interaction':
      label = interactionLabel(s, entity);
      break;
    case 'integration':
      label = integrationLabel(s, entity);
      break;
    case 'dialog':
      if (s.length === 1) label = DIALOG[first] ?? COMMON[first];
      break;
    case 'settings':
      if (s.length === 1) label = SETTINGS[first] ?? COMMON[first];
      break;
    case 'section': {
      const code = owner.section === undefined ? undefined : SECTION_CODE[owner.section];
      if (s.length === 1) label = code?.[first] ?? COMMON[first];
      break;
    }
    case 'order':
      break;
  }
  return label ?? readablePath(s);
}

const OWNER_NOUN: Record<FieldOwner['kind'], string> = {
  settings: 'settings',
  dialog: 'dialog',
  interaction: 'interaction',
  integration: 'integration',
  section: 'entry',
  order: 'export order',
};

/** Earliest and latest instants read as milliseconds since 1970: 2001-09-09 to 2286-11-20. */
const EPOCH_MS_MIN = 1e12;
const EPOCH_MS_MAX = 1e13;
const TIME_KEY = /(^|[a-z])(Time|Timestamp|Date|At)$|^(time|timestamp|date)$/;

/**
 * A field's value as a date, when it is one: a whole number of milliseconds since 1970 (as CB
 * writes `creationTime`, `modificationTime`, `createdAt`, `updatedAt`) under a key naming a time.
 * `2025-02-12 12:00:00 UTC` (core's `formatUtc`), else null: show the value as it is.
 */
export function epochDate(path: string, value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) return null;
  if (value < EPOCH_MS_MIN || value >= EPOCH_MS_MAX) return null;
  const key = pointerSegments(path).at(-1);
  if (key === undefined || !TIME_KEY.test(key)) return null;
  return formatUtc(new Date(value));
}

/** CB's type names as its editor says them; others read as their words ("SOME_TYPE" → "Some type"). */
const TYPE_LABEL: Record<string, string> = {
  TEXT: 'Text',
  DIALOG_STARTER: 'Dialog starter',
  TEXT_QUESTION: 'Text question',
  BUTTON: 'Button question',
  BUTTON_QUESTION: 'Button question',
  QUICK_REPLY: 'Quick reply',
  MULTIPLE_CHOICE_QUESTION: 'Multiple choice',
  STRUCTURED: 'Structured',
  UNIVERSAL: 'Universal',
  API_INTEGRATION: 'Integration',
  FILE_UPLOAD: 'File upload',
  IMAGE: 'Image',
  VIDEO: 'Video',
  AUDIO: 'Audio',
  DIALOG: 'Dialog',
  FALLBACK_DIALOG: 'Fallback dialog',
  DISAMBIGUATION_DIALOG: 'Disambiguation dialog',
  UNKNOWN: 'Unknown type',
};

/** An interaction's or dialog's CB type (e.g. `QUICK_REPLY`) as a badge says it ("Quick reply"). */
export function typeLabel(type: string): string {
  const known = TYPE_LABEL[type];
  if (known !== undefined) return known;
  const words = type.replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words === '' ? 'Unknown type' : words[0]?.toUpperCase() + words.slice(1);
}
