// Ferry's content model: a CB bot export split into entities, without the per-automation identity.
import type { JsonObject, JsonValue } from './json.js';

/** One dialog (CB `groups` entry) and its interactions (CB `conversationMessage` entries) in order. */
export interface DialogContent {
  dialog: JsonObject;
  interactions: JsonObject[];
}

/**
 * CB exports list interactions in one array in which dialogs interleave. `order` keeps that array
 * order as runs of [dialog id, count]; `null` means dialog by dialog, which is what edits produce.
 */
export type OrderRun = [dialogId: string, count: number];

export interface BotContent {
  /** The export's `bot` object without `id` and `name` (those belong to the automation). */
  settings: JsonObject;
  dialogs: DialogContent[];
  /** Every other top-level key of the export (integrations are `responder`), kept verbatim. */
  sections: Record<string, JsonValue>;
  order: OrderRun[] | null;
  /**
   * Interactions whose `group` names a dialog the export does not have: kept as they are (each
   * with its `group`) and exported again in their place, but shown in no dialog.
   */
  orphans?: JsonObject[];
  /** How the imported export was laid out, so that the export gives back the same text. */
  format?: ExportFormat;
}

/**
 * Where an identity field stood in an entity: after the key named (`[key]`), first (`0`), or
 * absent (`null`: the export had none, so none is written back).
 */
export type IdentityPlace = [after: string] | 0 | null;

export interface ExportFormat {
  /** The export's top-level keys in its order. */
  keys: string[];
  /** Where `bot.id` and `bot.name` stood among the bot's keys. */
  botId: IdentityPlace;
  botName: IdentityPlace;
  /** Per section with an identity field: its usual place, and the entities (by id) that differ. */
  identity: Record<string, { at: IdentityPlace; except?: Record<string, IdentityPlace> }>;
}

/**
 * Sections whose entities repeat the bot id, and the key each uses (CB spells it three ways). A Map,
 * so that section keys such as "constructor" or "__proto__" find nothing inherited.
 */
export const IDENTITY_FIELDS: ReadonlyMap<string, string> = new Map([
  ['groups', 'chatBotId'],
  ['conversationMessage', 'chatBotId'],
  ['globalFunctions', 'chatBotId'],
  ['responder', 'chatbotId'],
  ['platforms', 'chatbotId'],
  ['dialogTemplates', 'botId'],
]);

/** Top-level keys in the order CB writes them; unknown keys follow. */
export const CB_KEY_ORDER = [
  'hash',
  'bot',
  'responder',
  'requiredContext',
  'conversationMessage',
  'menus',
  'groups',
  'globalFunctions',
  'platforms',
  'associatedDomains',
  'associatedIntents',
  'dialogTemplates',
] as const;

/** Link targets in `responseMatches[].action.value` that are keywords, not ids (DESIGN.md rule 8). */
export const LINK_KEYWORDS: ReadonlySet<string> = new Set([
  'next',
  'none',
  'close_dialog',
  'close_conversation',
]);

/** The content of a created, never imported automation: a valid, empty CB bot. */
export function emptyContent(): BotContent {
  return {
    settings: {
      chatBotType: 'CUSTOMER_FACING_BOT',
      status: 'NEW',
      language: 'en-US',
      botAttributes: {},
      sessionLength: 0,
      passThroughMode: false,
      transcriptDisabled: false,
      demo: false,
      skipNLP: false,
      publicBot: false,
      readOnly: false,
    },
    dialogs: [],
    sections: {
      responder: [],
      requiredContext: [],
      menus: [],
      platforms: [],
      associatedDomains: [],
      dialogTemplates: [],
    },
    order: null,
  };
}

export const entityId = (entity: JsonValue): string | null =>
  entity !== null &&
  typeof entity === 'object' &&
  !Array.isArray(entity) &&
  typeof entity.id === 'string'
    ? entity.id
    : null;

export const entityName = (entity: JsonValue): string | null =>
  entity !== null &&
  typeof entity === 'object' &&
  !Array.isArray(entity) &&
  typeof entity.name === 'string'
    ? entity.name
    : null;

/** The interactions of a content in export order (following `order`, then any not covered by it). */
export function interactionsInOrder(content: BotContent): JsonObject[] {
  const orphans = content.orphans ?? [];
  if (content.order === null && orphans.length === 0)
    return content.dialogs.flatMap((d) => d.interactions);
  const byId = new Map(content.dialogs.map((d) => [entityId(d.dialog), d] as const));
  const orphanById = new Map<string, DialogContent>();
  for (const o of orphans) {
    const group = typeof o.group === 'string' ? o.group : '';
    let pseudo = orphanById.get(group);
    if (pseudo === undefined) {
      pseudo = { dialog: { id: group }, interactions: [] };
      orphanById.set(group, pseudo);
    }
    pseudo.interactions.push(o);
  }
  const orphanGroups = [...orphanById.values()];
  if (content.order === null)
    return [...content.dialogs, ...orphanGroups].flatMap((d) => d.interactions);
  const taken = new Map<DialogContent, number>();
  const out: JsonObject[] = [];
  for (const [dialogId, count] of content.order) {
    const dialog = byId.get(dialogId) ?? orphanById.get(dialogId);
    if (dialog === undefined) continue;
    const from = taken.get(dialog) ?? 0;
    const to = Math.min(from + count, dialog.interactions.length);
    for (let i = from; i < to; i++) out.push(dialog.interactions[i] as JsonObject);
    taken.set(dialog, to);
  }
  for (const dialog of [...content.dialogs, ...orphanGroups]) {
    const from = taken.get(dialog) ?? 0;
    for (let i = from; i < dialog.interactions.length; i++)
      out.push(dialog.interactions[i] as JsonObject);
  }
  return out;
}

/** Runs of dialog ids for interactions listed in `flat` order; null when already dialog by dialog. */
export function orderRuns(
  dialogIds: readonly string[],
  groupOfEach: readonly string[],
): OrderRun[] | null {
  const runs: OrderRun[] = [];
  for (const group of groupOfEach) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] === group) last[1]++;
    else runs.push([group, 1]);
  }
  return orderOfRuns(dialogIds, runs);
}

/** orderRuns from the runs themselves (each run's dialog differs from the one before it). */
export function orderOfRuns(dialogIds: readonly string[], runs: OrderRun[]): OrderRun[] | null {
  // Dialog by dialog: each dialog appears in at most one run, in dialog order.
  let cursor = 0;
  for (const [group] of runs) {
    const at = dialogIds.indexOf(group, cursor);
    if (at < 0) return runs;
    cursor = at + 1;
  }
  return null;
}
