// How often each snapshot references each environment variable, kept per root in `content_env`.
// Writing a whole content counts it; an edit adjusts the counts of the root it was based on by
// the entities it removed and added, so the upgrade check never has to read a whole bot. The
// counts are per entity (core's envIndexKeysIn): direct references, and ENV_WRAPPER_KEY for each
// function handing a parameter to getEnvVariable, whose callers only the whole bot shows.
import {
  must,
  envIndexKeysIn,
  findById,
  forEachEntity,
  listEntries,
  setKey,
  type BotContent,
  type EditOp,
  type JsonValue,
  type Snapshotter,
} from '@ferry/core';
export {
  recordCounts,
  recordResolved,
  storedCounts,
  storedResolved,
} from './repositories/content-env-repository.js';

export type EnvCounts = Record<string, number>;

// Variable names are content (`{$env.constructor}` is a valid reference): own keys only, so that no
// name finds or replaces anything of Object.prototype.
const countOf = (counts: EnvCounts, name: string): number =>
  Object.hasOwn(counts, name) ? must(counts[name], 'counts[name]') : 0;

export function countContent(content: BotContent): EnvCounts {
  const counts: EnvCounts = {};
  forEachEntity(content, (value) => {
    for (const name of envIndexKeysIn(value)) setKey(counts, name, countOf(counts, name) + 1);
  });
  return counts;
}

export function adjust(counts: EnvCounts, value: JsonValue | undefined, sign: 1 | -1): void {
  if (value === undefined) return;
  for (const name of envIndexKeysIn(value)) {
    const next = countOf(counts, name) + sign;
    if (next > 0) setKey(counts, name, next);
    else delete counts[name];
  }
}

/**
 * The hashes of the entities an edit replaces or removes, read from the (structure-only) tree of
 * `root`: their references are subtracted, the edit's new entities' are added.
 */
export function replacedEntities(
  snap: Snapshotter,
  root: string,
  op: EditOp,
): { hashes: string[]; added: JsonValue[] } {
  const r = snap.root(root);
  const dialogNode = (dialogId: string) => {
    const hit = findById(snap.lists.load(r.dialogs), dialogId);
    return hit ? snap.dialogNode(hit.entry.hash) : null;
  };
  const interactionHash = (dialogId: string, id: string) => {
    const node = dialogNode(dialogId);
    return node ? findById(snap.lists.load(node.interactions), id)?.entry.hash : undefined;
  };
  const some = (...hashes: (string | undefined)[]) =>
    hashes.filter((h): h is string => h !== undefined);
  switch (op.op) {
    case 'setSettings': {
      const { id: _id, name: _name, ...settings } = op.settings;
      return { hashes: [r.settings], added: [settings] };
    }
    case 'setSection': {
      const ref = r.sections[op.key];
      const hashes =
        ref === undefined
          ? []
          : 'value' in ref
            ? [ref.value]
            : listEntries(snap.lists.load(ref.list)).map((e) => e.hash);
      return { hashes, added: op.value === undefined ? [] : [op.value] };
    }
    case 'addDialog':
      return { hashes: [], added: [op.dialog] };
    case 'updateDialog':
      return { hashes: some(dialogNode(op.dialog.id as string)?.dialog), added: [op.dialog] };
    case 'removeDialog': {
      const node = dialogNode(op.dialogId);
      if (!node) return { hashes: [], added: [] };
      return {
        hashes: [
          node.dialog,
          ...listEntries(snap.lists.load(node.interactions)).map((e) => e.hash),
        ],
        added: [],
      };
    }
    case 'addInteraction':
      return { hashes: [], added: [op.interaction] };
    case 'updateInteraction':
      return {
        hashes: some(interactionHash(op.dialogId, op.interaction.id as string)),
        added: [op.interaction],
      };
    case 'removeInteraction':
      return { hashes: some(interactionHash(op.dialogId, op.interactionId)), added: [] };
    case 'moveDialog':
    case 'moveInteraction':
      return { hashes: [], added: [] };
  }
}
