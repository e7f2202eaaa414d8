// The content of an automation as people read it: dialogs and their interactions' message text,
// buttons and code. CB exports spread these over many shapes; unknown shapes still show their
// kind and name. The result is plain strings, which pages render with escaped interpolation only.
import type { BotContent } from '@ferry/core';

export interface ReadableInteraction {
  id: string;
  name: string;
  /** CB's interaction kind, e.g. TEXT, QUICK_REPLY, MULTIPLE_CHOICE_QUESTION. */
  kind: string;
  texts: string[];
  buttons: string[];
  code: { label: string; source: string }[];
}

export interface ReadableDialog {
  id: string;
  name: string;
  kind: string;
  interactions: ReadableInteraction[];
}

type Json = unknown;
const obj = (v: Json): Record<string, Json> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Json>) : {};
const arr = (v: Json): Json[] => (Array.isArray(v) ? v : []);
const str = (v: Json): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v : undefined;
const strings = (...values: Json[]): string[] =>
  values.map(str).filter((v): v is string => v !== undefined);

/** Code fields of a CB interaction, with the label CB's editor gives them. */
const CODE_FIELDS: [key: string, label: string][] = [
  ['preProcessMessage', 'Pre-process code'],
  ['postProcessMessage', 'Post-process code'],
  ['processUserResponse', 'Process user response code'],
];

export function readableInteraction(interaction: Record<string, Json>): ReadableInteraction {
  const content = obj(interaction.content);
  const results = obj(content.results);
  const tiles = arr(obj(results.tile).tileData).map(obj);
  const texts = tiles.flatMap((tile) => strings(tile.title, tile.subTitle, tile.text));
  const buttons = [
    ...tiles.flatMap((tile) => [
      ...arr(tile.buttons).flatMap((b) => strings(obj(b).title, obj(b).name)),
      ...arr(tile.quickReplyList).flatMap((q) => strings(obj(q).title)),
      ...arr(obj(tile.multipleChoice).multipleChoices).flatMap((c) => strings(c)),
    ]),
    ...arr(interaction.quickReplies).flatMap((q) => strings(obj(q).title)),
  ];
  const code = CODE_FIELDS.flatMap(([key, label]) => {
    const source = str(interaction[key]);
    return source ? [{ label, source }] : [];
  });
  for (const tile of tiles) {
    const widget = str(obj(tile.universalWidget).leMessageJson);
    if (widget) code.push({ label: 'Rich content (JSON)', source: widget });
  }
  const responder = str(content.responderName);
  if (responder) texts.push(`Answered by the integration "${responder}"`);
  return {
    id: String(interaction.id ?? ''),
    name: str(interaction.name) ?? '(unnamed interaction)',
    kind: str(results.type) ?? str(content.contentType) ?? str(interaction.type) ?? 'UNKNOWN',
    texts,
    buttons,
    code,
  };
}

export function readableDialogs(content: BotContent): ReadableDialog[] {
  return content.dialogs.map(({ dialog, interactions }) => ({
    id: String(dialog.id ?? ''),
    name: str(dialog.name) ?? '(unnamed dialog)',
    kind: str(dialog.dialogType) ?? 'DIALOG',
    interactions: interactions.map((i) => readableInteraction(i as Record<string, Json>)),
  }));
}
