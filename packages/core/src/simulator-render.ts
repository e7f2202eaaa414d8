// How the simulator turns an interaction's content into the messages a user sees: `{$botContext.x}`,
// `{$env.x}`, `{$userMessage}` and integration fields (`{Integration.field}`) filled in, tiles read
// into structured messages (text, buttons, quick replies, multiple choice, cards, rich widgets).
// Iterated integration fields (custom data fields written with `[i]`, a list per field) repeat the
// card or button that names them once per item, as CB does for structured content
// (developer-center Integrations/integration-basics.md, "Iterating through results").
import { asArray, asObject, nonBlank, tileData } from './cb-shape.js';
import type { JsonObject, JsonValue } from './json.js';
import type { SimButton, SimMessage, SimQuickReply } from './simulator-types.js';

/** What text filling reads. */
export interface FillSource {
  variable(name: string): JsonValue | undefined;
  env(name: string): string | undefined;
  userMessage: string;
  /** Notes names that are not set (for the turn's debug output). */
  note(message: string): void;
}

const PLACEHOLDER = /\{(\$botContext\.|\$env\.|\$userMessage(?=\})|\$?)([^{}\s]*)\}/g;
/** `Integration.field`: what a custom data field placeholder looks like (JSON text never does). */
const FIELD = /^[A-Za-z_][\w-]*(\.[\w-]+)+$/;

const asText = (value: JsonValue | undefined, index: number | undefined): string => {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    if (index !== undefined) return asText(value[index], undefined);
    return value.map((v) => asText(v, undefined)).join(', ');
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
};

/** `text` with CB's placeholders filled in; `index` picks one item of iterated fields. */
export function fillText(text: string, source: FillSource, index?: number): string {
  return text.replace(PLACEHOLDER, (whole, prefix: string, name: string) => {
    if (prefix === '$userMessage') return source.userMessage;
    if (prefix === '$env.') {
      const value = source.env(name);
      if (value === undefined) source.note(`{$env.${name}} is not set in this environment.`);
      return value ?? '';
    }
    if (prefix === '$botContext.') {
      const value = source.variable(name);
      if (value === undefined) source.note(`{$botContext.${name}} is not set.`);
      return asText(value, index);
    }
    // `{Integration.field}`: a custom data field, stored as the variable "Integration.field".
    if (prefix === '' && FIELD.test(name)) {
      const value = source.variable(name);
      if (value !== undefined) return asText(value, index);
      source.note(`${whole} is not set.`);
      return '';
    }
    return whole; // other system variables ({$conversationId}, …) stay as written
  });
}

/** The number of items of the longest iterated field `texts` name (1 when none is iterated). */
export function iterations(texts: readonly string[], source: FillSource): number {
  let n = 1;
  for (const text of texts)
    for (const m of text.matchAll(PLACEHOLDER)) {
      const [, prefix, name] = m;
      if (prefix !== '$botContext.' && !(prefix === '' && FIELD.test(name ?? ''))) continue;
      const value = source.variable(name ?? '');
      if (Array.isArray(value)) n = Math.max(n, value.length);
    }
  return n;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

function buttonsOf(tile: JsonObject, source: FillSource, index?: number): SimButton[] {
  const out: SimButton[] = [];
  for (const raw of asArray(tile.buttons)) {
    const b = asObject(raw);
    const label = str(b.name) || str(b.title);
    const callback = str(b.callback) || str(b.payload) || str(b.url);
    const kind = /url|link/i.test(str(b.type)) ? 'link' : 'postback';
    const n = index === undefined ? iterations([label, callback], source) : 1;
    for (let i = 0; i < n; i++) {
      const at = index ?? (n > 1 ? i : undefined);
      out.push({
        label: fillText(label, source, at),
        kind,
        value: fillText(callback || label, source, at),
      });
    }
  }
  return out;
}

function quickRepliesOf(interaction: JsonObject, tiles: JsonObject[], source: FillSource) {
  const replies: SimQuickReply[] = [];
  const add = (raw: JsonValue) => {
    const q = asObject(raw);
    const label = str(q.title) || str(q.name) || (typeof raw === 'string' ? raw : '');
    const value = str(q.payload) || str(q.callback) || label;
    if (label !== '')
      replies.push({ label: fillText(label, source), value: fillText(value, source) });
  };
  for (const q of asArray(interaction.quickReplies)) add(q);
  for (const tile of tiles) for (const q of asArray(tile.quickReplyList)) add(q);
  return replies;
}

/** The text, images and buttons of a rich-content widget (`universalWidget.leMessageJson`). */
function richOf(json: string, source: FillSource) {
  const texts: string[] = [];
  const buttons: SimButton[] = [];
  let image: string | undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fillText(json, source));
  } catch {
    source.note('A rich-content widget holds JSON that does not parse; shown as sent.');
    return { texts: [json], buttons, image };
  }
  const walk = (node: unknown) => {
    const o = asObject(node);
    const type = str(o.type);
    if (type === 'text' && str(o.text) !== '') texts.push(str(o.text));
    else if (type === 'image' && image === undefined && str(o.url) !== '') image = str(o.url);
    else if (type === 'button') {
      const action = asObject(asArray(asObject(o.click).actions)[0]);
      const link = str(action.uri);
      buttons.push({
        label: str(o.title),
        kind: link !== '' ? 'link' : 'postback',
        value: link || str(action.text) || str(o.title),
      });
    }
    for (const child of asArray(o.elements)) walk(child);
  };
  walk(parsed);
  return { texts, buttons, image };
}

/**
 * The messages of a statement's or question's content. `override` replaces the first tile's text
 * (`botContext.setMessage`).
 */
export function renderInteraction(
  interaction: JsonObject,
  name: string,
  source: FillSource,
  override?: string,
): SimMessage[] {
  const results = asObject(asObject(interaction.content).results);
  const type = nonBlank(results.type) ?? nonBlank(interaction.interactionType) ?? 'TEXT';
  const tiles = tileData(interaction).map(asObject);
  const base = (kind: SimMessage['kind'], text: string): SimMessage => ({
    kind,
    interaction: name,
    text,
    buttons: [],
    quickReplies: [],
    choices: [],
  });
  const messages: SimMessage[] = [];
  tiles.forEach((tile, t) => {
    const rawText = t === 0 && override !== undefined ? override : str(tile.text);
    const widget = nonBlank(asObject(tile.universalWidget).leMessageJson);
    if (widget !== undefined) {
      const rich = richOf(widget, source);
      const m = base('rich', rich.texts.join('\n'));
      m.buttons = rich.buttons;
      if (rich.image !== undefined) m.image = rich.image;
      messages.push(m);
      return;
    }
    const cardTexts = [str(tile.title), str(tile.subTitle), str(tile.image)];
    if (cardTexts.some((x) => x !== '')) {
      // A card (structured content), repeated per item of an iterated field it names.
      const n = iterations(cardTexts, source);
      for (let i = 0; i < n; i++) {
        const at = n > 1 ? i : undefined;
        const title = fillText(str(tile.title), source, at);
        const subtitle = fillText(str(tile.subTitle), source, at);
        const text = fillText(rawText, source, at);
        const m = base('card', [title, subtitle, text].filter((x) => x !== '').join('\n'));
        if (title !== '') m.title = title;
        if (subtitle !== '') m.subtitle = subtitle;
        const image = fillText(str(tile.image), source, at);
        if (image !== '') m.image = image;
        m.buttons = buttonsOf(tile, source, at);
        messages.push(m);
      }
      return;
    }
    const m = base('text', fillText(rawText, source));
    m.buttons = buttonsOf(tile, source);
    if (m.buttons.length > 0) m.kind = 'buttons';
    const choices = asArray(asObject(tile.multipleChoice).multipleChoices);
    if (choices.length > 0) {
      m.kind = 'choices';
      m.choices = choices.map((c) =>
        fillText(typeof c === 'string' ? c : asText(c, undefined), source),
      );
    }
    if (m.text !== '' || m.buttons.length > 0 || m.choices.length > 0 || t === 0) messages.push(m);
  });
  const replies = quickRepliesOf(interaction, tiles, source);
  if (replies.length > 0) {
    const last = messages[messages.length - 1] ?? base('text', '');
    if (messages.length === 0) messages.push(last);
    last.quickReplies = replies;
    if (last.kind === 'text') last.kind = 'quickReplies';
  }
  // A statement with no text at all (an empty tile) sends nothing.
  return messages.filter(
    (m) =>
      m.text !== '' ||
      m.buttons.length > 0 ||
      m.choices.length > 0 ||
      m.quickReplies.length > 0 ||
      m.image !== undefined ||
      type === 'TEXT_QUESTION',
  );
}

/** The plain text of a message for `contains` checks: text, then button, reply and choice labels. */
export function messageText(message: SimMessage): string {
  return [
    message.text,
    ...message.buttons.map((b) => b.label),
    ...message.quickReplies.map((q) => q.label),
    ...message.choices,
  ]
    .filter((x) => x !== '')
    .join('\n');
}
