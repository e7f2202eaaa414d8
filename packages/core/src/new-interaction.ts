// A new CB interaction of any kind a person adds in Ferry (text, questions, buttons, quick replies,
// multiple choice, a structured card, rich content, an integration call, a dialog starter), shaped
// as CB's own exports shape that kind (packages/fixtures), with optional bot code. Pure: the web
// UI's add form and any other client describe what they want; the result is the interaction's
// JSON, without id or links (the API gives it an id and links it into its dialog's chain).
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { typeLabel } from './labels.js';
import { err, ok, type Result } from './result.js';

/** What a kind asks for beyond its name. */
export type NewInteractionField =
  'text' | 'options' | 'card' | 'patterns' | 'integration' | 'richContent';

export interface NewInteractionKind {
  /** CB's `interactionType` (and `content.results.type`). */
  type: string;
  /** What people call it: the words of its type badge (`typeLabel`). */
  label: string;
  /** The fields its form shows, in order. */
  fields: readonly NewInteractionField[];
  /** What the options are called (buttons, quick replies, choices), when it has options. */
  optionsLabel?: string;
  /** It asks the user something: it waits for and matches an answer. */
  question: boolean;
}

/** The kinds a new interaction can have, in the order a form offers them. */
export const NEW_INTERACTION_KINDS: readonly NewInteractionKind[] = (
  [
    { type: 'TEXT', fields: ['text'], question: false },
    { type: 'TEXT_QUESTION', fields: ['text'], question: true },
    {
      type: 'QUICK_REPLY',
      fields: ['text', 'options'],
      optionsLabel: 'Quick replies',
      question: true,
    },
    {
      type: 'BUTTON',
      fields: ['text', 'options'],
      optionsLabel: 'Buttons',
      question: true,
    },
    {
      type: 'MULTIPLE_CHOICE_QUESTION',
      fields: ['text', 'options'],
      optionsLabel: 'Choices',
      question: true,
    },
    {
      type: 'STRUCTURED',
      fields: ['card', 'options'],
      optionsLabel: 'Buttons',
      question: false,
    },
    {
      type: 'UNIVERSAL',
      fields: ['richContent'],
      question: false,
    },
    { type: 'API_INTEGRATION', fields: ['integration'], question: false },
    { type: 'DIALOG_STARTER', fields: ['patterns'], question: false },
  ] satisfies Omit<NewInteractionKind, 'label'>[]
).map((kind) => ({ ...kind, label: typeLabel(kind.type) }));

/** The most options a new interaction takes (CB's editor allows no more quick replies). */
export const NEW_INTERACTION_OPTIONS_MAX = 24;

/** Bot code a new interaction may carry (`INTERACTION_CODE_FIELDS`' keys). */
export interface NewInteractionCode {
  preProcessMessage?: string;
  postProcessMessage?: string;
  processUserResponse?: string;
}

export interface NewInteractionSpec {
  /** One of NEW_INTERACTION_KINDS' types. */
  type: string;
  name: string;
  /** The message or question. */
  text?: string;
  /** Buttons, quick replies or choices: one label each. */
  options?: readonly string[];
  /** A structured card's title, subtitle and image address. */
  card?: { title?: string; subtitle?: string; image?: string };
  /** A dialog starter's patterns. */
  patterns?: readonly string[];
  /** The integration an integration call runs: its name, and its id when it has one. */
  integration?: { id?: string; name: string };
  /** Rich content: CB's `leMessageJson`, a JSON object as text. */
  richContent?: string;
  code?: NewInteractionCode;
}

const kindOf = (type: string) => NEW_INTERACTION_KINDS.find((k) => k.type === type);

/** Trimmed, blank entries left out. */
const lines = (values: readonly string[] | undefined) =>
  (values ?? []).map((v) => v.trim()).filter((v) => v !== '');

const NEXT: JsonObject = {
  conditions: [],
  contextConditions: [],
  action: { name: 'INTERACTION', value: 'next' },
  contextDataVariables: [],
};

/** A message tile as CB writes one: the given fields, then its (empty) button and reply lists. */
const tile = (fields: JsonObject): JsonObject => ({
  ...fields,
  buttons: (fields.buttons as JsonValue | undefined) ?? [],
  quickReplyList: [],
});

const staticContent = (type: string, tileData: JsonObject): JsonObject => ({
  contentType: 'STATIC',
  results: { type, tile: { tileData: [tileData] } },
});

/** CB's button shape: a postback that sends its label. */
const buttons = (labels: string[]): JsonObject[] =>
  labels.map((name) => ({ name, type: 'postback', callback: name }));

/**
 * The content of a new interaction of `spec.type`, or a VALIDATION error naming the field that
 * is missing or wrong (`type`, `options`, `patterns`, `integration`, `richContent`).
 */
function contentOf(spec: NewInteractionSpec, kind: NewInteractionKind): Result<JsonObject> {
  const text = spec.text ?? '';
  const options = lines(spec.options);
  if (kind.fields.includes('options')) {
    const what = (kind.optionsLabel ?? 'options').toLowerCase();
    if (options.length === 0 && kind.type !== 'STRUCTURED')
      return err('VALIDATION', `Give at least one of the ${what}, one a line.`, {
        path: 'options',
      });
    if (options.length > NEW_INTERACTION_OPTIONS_MAX)
      return err(
        'VALIDATION',
        `Give at most ${NEW_INTERACTION_OPTIONS_MAX} ${what}; there are ${options.length}.`,
        { path: 'options' },
      );
  }
  switch (kind.type) {
    case 'QUICK_REPLY':
      return ok({
        content: staticContent(kind.type, tile({ text })),
        quickReplies: options.map((title) => ({ type: 'text', title, payload: title })),
      });
    case 'BUTTON':
      return ok({ content: staticContent(kind.type, tile({ text, buttons: buttons(options) })) });
    case 'MULTIPLE_CHOICE_QUESTION':
      return ok({
        content: staticContent(
          kind.type,
          tile({
            text,
            multipleChoice: {
              multipleChoices: options,
              displayChoice: 'BUTTON',
              textStyle: 'NUMBERS',
            },
          }),
        ),
      });
    case 'STRUCTURED': {
      const card = spec.card ?? {};
      const image = card.image?.trim() ?? '';
      return ok({
        content: staticContent(
          kind.type,
          tile({
            title: card.title ?? '',
            subTitle: card.subtitle ?? '',
            ...(image !== '' && { image }),
            buttons: buttons(options),
          }),
        ),
      });
    }
    case 'UNIVERSAL': {
      const json = spec.richContent ?? '';
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        parsed = undefined;
      }
      if (!isJsonObject(parsed))
        return err('VALIDATION', 'The rich content must be a JSON object, such as {"type": …}.', {
          path: 'richContent',
        });
      return ok({
        content: staticContent(kind.type, {
          buttons: [],
          universalWidget: { leMessageJson: json },
        }),
      });
    }
    case 'API_INTEGRATION': {
      const name = spec.integration?.name.trim() ?? '';
      if (name === '')
        return err('VALIDATION', 'Choose the integration this interaction calls.', {
          path: 'integration',
        });
      const id = spec.integration?.id?.trim();
      return ok({
        content: { contentType: 'DYNAMIC', responderName: name, ...(id && { responderId: id }) },
      });
    }
    case 'DIALOG_STARTER': {
      const patterns = lines(spec.patterns);
      if (patterns.length === 0)
        return err(
          'VALIDATION',
          'Give at least one pattern that starts the dialog, one a line (for example *order*).',
          { path: 'patterns' },
        );
      return ok({ pattern: patterns, content: staticContent(kind.type, tile({})) });
    }
    default:
      return ok({ content: staticContent(kind.type, tile({ text })) });
  }
}

/**
 * A new interaction as CB's editor creates one of that kind: it continues to the next interaction
 * (a question with any answer), and carries the bot code given (blank code is left out).
 */
export function newInteraction(spec: NewInteractionSpec): Result<JsonObject> {
  const kind = kindOf(spec.type);
  if (kind === undefined)
    return err(
      'VALIDATION',
      `"${spec.type}" is not a kind of interaction Ferry can add; choose one of ${NEW_INTERACTION_KINDS.map((k) => k.label).join(', ')}.`,
      { path: 'type' },
    );
  const content = contentOf(spec, kind);
  if (!content.ok) return content;
  const { content: body, ...extra } = content.value;
  const code = Object.entries(spec.code ?? {}).filter(
    ([, source]) => typeof source === 'string' && source.trim() !== '',
  );
  const starter = kind.type === 'DIALOG_STARTER';
  return ok({
    name: spec.name,
    ...(starter && extra.pattern !== undefined && { pattern: extra.pattern }),
    type: 'BOT_MESSAGE',
    interactionType: kind.type,
    userInputRequired: false,
    status: 'ACTIVE',
    ...(!starter && { required: true }),
    content: body as JsonObject,
    ...(extra.quickReplies !== undefined && { quickReplies: extra.quickReplies }),
    ...Object.fromEntries(code),
    responseMatches: [NEXT],
    ...(kind.question && { changeResponse: { enabled: true }, cancelResponse: { enabled: true } }),
  });
}
