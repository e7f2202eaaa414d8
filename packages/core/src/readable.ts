// The content of an automation as people read it: dialogs and their interactions' message text,
// buttons and code. CB exports spread these over many shapes; unknown shapes still show their
// kind and name. The result is plain strings, which pages render with escaped interpolation only.
import { INTERACTION_CODE_FIELDS, asArray, asObject, nonBlank, tileData } from './cb-shape.js';
import type { BotContent } from './content.js';

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

const strings = (...values: unknown[]): string[] =>
  values.map(nonBlank).filter((v): v is string => v !== undefined);

/**
 * An interaction's CB type, the one every view shows: `interactionType` (what CB's editor shows:
 * `API_INTEGRATION`, `DIALOG_STARTER`…), else the message's `content.results.type`, else the content
 * type, else `type`, else `UNKNOWN`.
 */
export function interactionType(interaction: Record<string, unknown>): string {
  const content = asObject(interaction.content);
  return (
    nonBlank(interaction.interactionType) ??
    nonBlank(asObject(content.results).type) ??
    nonBlank(content.contentType) ??
    nonBlank(interaction.type) ??
    'UNKNOWN'
  );
}

export function readableInteraction(interaction: Record<string, unknown>): ReadableInteraction {
  const content = asObject(interaction.content);
  const tiles = tileData(interaction).map(asObject);
  const texts = tiles.flatMap((tile) => strings(tile.title, tile.subTitle, tile.text));
  const buttons = [
    ...tiles.flatMap((tile) => [
      ...asArray(tile.buttons).flatMap((b) => strings(asObject(b).title, asObject(b).name)),
      ...asArray(tile.quickReplyList).flatMap((q) => strings(asObject(q).title)),
      ...asArray(asObject(tile.multipleChoice).multipleChoices).flatMap((c) => strings(c)),
    ]),
    ...asArray(interaction.quickReplies).flatMap((q) => strings(asObject(q).title)),
  ];
  const code = INTERACTION_CODE_FIELDS.flatMap(({ key, label }) => {
    const source = nonBlank(interaction[key]);
    return source ? [{ label, source }] : [];
  });
  for (const tile of tiles) {
    const widget = nonBlank(asObject(tile.universalWidget).leMessageJson);
    if (widget) code.push({ label: 'Rich content (JSON)', source: widget });
  }
  const responder = nonBlank(content.responderName);
  if (responder) texts.push(`Answered by the integration "${responder}"`);
  return {
    id: String(interaction.id ?? ''),
    name: nonBlank(interaction.name) ?? '(unnamed interaction)',
    kind: interactionType(interaction),
    texts,
    buttons,
    code,
  };
}

/** A dialog (CB `groups` entry) as people name it: id, name (or a placeholder) and kind. */
export function readableDialog(
  dialog: Record<string, unknown>,
): Omit<ReadableDialog, 'interactions'> {
  return {
    id: String(dialog.id ?? ''),
    name: nonBlank(dialog.name) ?? '(unnamed dialog)',
    kind: nonBlank(dialog.dialogType) ?? 'DIALOG',
  };
}

export function readableDialogs(content: BotContent): ReadableDialog[] {
  return content.dialogs.map(({ dialog, interactions }) => ({
    ...readableDialog(dialog),
    interactions: interactions.map((i) => readableInteraction(i)),
  }));
}
