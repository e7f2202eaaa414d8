// Content-addressed snapshots: every entity is stored once under the SHA-256 of its canonical JSON,
// and a snapshot is a small tree of nodes (root -> dialogs -> interactions, plus settings and
// sections). Edits rewrite the changed entity and the nodes above it, nothing else.
import {
  entityId,
  type BotContent,
  type DialogContent,
  type ExportFormat,
  type OrderRun,
} from './content.js';
import { exactNodeText, rawText } from './lexical.js';
import type { HashFn } from './hash.js';
import {
  JsonShapeError,
  canonicalJson,
  isJsonObject,
  plainJson,
  setKey,
  type JsonObject,
  type JsonValue,
} from './json.js';
import {
  ListBuilder,
  findById,
  listEntries,
  listLength,
  type ChunkedList,
  type Entry,
} from './prolly.js';
import { err, ok, type Result } from './result.js';
import { MemoryNodeStore } from './store.js';
import { must } from './must.js';

export type SectionRef = { list: string } | { value: string };

export interface RootNode {
  v: 1;
  settings: string;
  dialogs: string;
  order: string | null;
  sections: Record<string, SectionRef>;
  /** The export's layout (ExportFormat), when the content was imported. */
  format?: string;
  /** The list of interactions whose dialog is missing, when there are any. */
  orphans?: string;
}

/** A section of a tree, stored: a list (its top node) or one value. */
export type SectionParts = { list: string } | { value: string };

/** The parts of a tree, as hashes of stored nodes (Snapshotter.writeParts). */
export interface TreeParts {
  settings: string;
  /** Each dialog's id and dialog node, in order. */
  dialogs: readonly { id: string; node: string }[];
  /** Every other top-level key of the export, in order. */
  sections: readonly [key: string, ref: SectionParts][];
  order: OrderRun[] | null;
  format?: ExportFormat;
  /** The list of interactions whose dialog is missing (its top node), when there are any. */
  orphans?: string;
}

export interface DialogNode {
  dialog: string;
  interactions: string;
}

/** An edit of a snapshot. Interactions are addressed through their dialog. */
export type EditOp =
  | { op: 'setSettings'; settings: JsonObject }
  | { op: 'setSection'; key: string; value: JsonValue | undefined }
  | { op: 'addDialog'; dialog: JsonObject; index?: number }
  | { op: 'updateDialog'; dialog: JsonObject }
  | { op: 'removeDialog'; dialogId: string }
  | { op: 'moveDialog'; dialogId: string; index: number }
  | { op: 'addInteraction'; dialogId: string; interaction: JsonObject; index?: number }
  | { op: 'updateInteraction'; dialogId: string; interaction: JsonObject }
  | { op: 'removeInteraction'; dialogId: string; interactionId: string }
  | { op: 'moveInteraction'; dialogId: string; interactionId: string; index: number };

const RESERVED_SECTIONS = new Set(['bot', 'groups', 'conversationMessage']);

export class Snapshotter {
  readonly lists: ListBuilder;

  constructor(
    readonly store: MemoryNodeStore,
    readonly hashFn: HashFn,
  ) {
    this.lists = new ListBuilder(store, hashFn);
  }

  /**
   * Store one entity (or any JSON value) and return its hash. The text is the entity's exact text
   * when it has one (see lexical.ts), else its JSON in its own key order: an entity comes back as
   * it went in. Throws JsonShapeError on non-JSON.
   */
  putValue(value: JsonValue): string {
    const raw = rawText(value);
    return this.putText(raw === undefined ? plainJson(value) : exactNodeText(raw));
  }

  /** Store a tree node (canonical JSON: equal structure, equal hash). */
  private putNode(value: JsonValue): string {
    return this.putText(canonicalJson(value));
  }

  private putText(text: string): string {
    const hash = this.hashFn(text);
    this.store.put(hash, text);
    return hash;
  }

  /** Build the whole tree of a content and return its root hash. */
  write(content: BotContent): string {
    const dialogs = content.dialogs.map((d) => ({
      id: d.dialog.id as string,
      node: this.putDialog(this.putValue(d.dialog), this.entries(d.interactions)).node,
    }));
    const sections: [string, SectionParts][] = Object.entries(content.sections).map(
      ([key, value]) => [
        key,
        Array.isArray(value)
          ? { list: this.lists.build(this.entries(value)).hash }
          : { value: this.putValue(value) },
      ],
    );
    const orphans = content.orphans ?? [];
    return this.writeParts({
      settings: this.putValue(content.settings),
      dialogs,
      sections,
      order: content.order,
      ...(content.format === undefined ? {} : { format: content.format }),
      ...(orphans.length > 0 ? { orphans: this.entityList(orphans).hash } : {}),
    });
  }

  /**
   * Build a tree from its parts, already stored (entities, dialog nodes, lists), and return its
   * root hash: the root and the order and format nodes are written here. `write` is this with
   * every part built from a content; an export index (export-index.ts) builds only changed parts.
   */
  writeParts(parts: TreeParts): string {
    const sections: Record<string, SectionRef> = {};
    for (const [key, ref] of parts.sections) setKey(sections, key, ref);
    return this.putRoot({
      v: 1,
      settings: parts.settings,
      dialogs: this.lists.build(parts.dialogs.map((d) => ({ id: d.id, hash: d.node }))).hash,
      order: parts.order === null ? null : this.putNode(parts.order),
      sections,
      ...(parts.format === undefined
        ? {}
        : { format: this.putNode(parts.format as unknown as JsonObject) }),
      ...(parts.orphans === undefined ? {} : { orphans: parts.orphans }),
    });
  }

  /** Store a dialog node: its entity's hash and its interactions' list (built here). */
  putDialog(dialog: string, interactions: readonly Entry[]): { node: string; list: ChunkedList } {
    const list = this.lists.build(interactions);
    return { node: this.putDialogNode(dialog, list.hash), list };
  }

  /** List entries of entities, each stored. */
  private entries(values: readonly JsonValue[]): Entry[] {
    return values.map((v) => ({ id: entityId(v), hash: this.putValue(v) }));
  }

  /** Read a snapshot back. Entities are frozen and shared with the store's cache. */
  read(root: string): BotContent {
    const r = this.root(root);
    const dialogs: DialogContent[] = listEntries(this.lists.load(r.dialogs)).map((e) => {
      const node = this.dialogNode(e.hash);
      return {
        dialog: this.store.decode(node.dialog) as JsonObject,
        interactions: listEntries(this.lists.load(node.interactions)).map(
          (i) => this.store.decode(i.hash) as JsonObject,
        ),
      };
    });
    const sections: Record<string, JsonValue> = {};
    for (const [key, ref] of Object.entries(r.sections))
      setKey(sections, key, this.readSection(ref));
    return {
      settings: this.store.decode(r.settings) as JsonObject,
      dialogs,
      sections,
      order: r.order === null ? null : (this.store.decode(r.order) as OrderRun[]),
      ...(r.orphans === undefined
        ? {}
        : {
            orphans: listEntries(this.lists.load(r.orphans)).map(
              (e) => this.store.decode(e.hash) as JsonObject,
            ),
          }),
      ...(r.format === undefined ? {} : { format: this.store.decode(r.format) as ExportFormat }),
    };
  }

  root(hash: string): RootNode {
    return this.store.decode(hash) as RootNode;
  }

  dialogNode(hash: string): DialogNode {
    return this.store.decode(hash) as DialogNode;
  }

  readSection(ref: SectionRef): JsonValue {
    if ('value' in ref) return this.store.decode(ref.value) as JsonValue;
    return listEntries(this.lists.load(ref.list)).map(
      (e) => this.store.decode(e.hash) as JsonValue,
    );
  }

  /** Apply one edit and return the new root; the old snapshot is untouched. */
  edit(rootHash: string, op: EditOp): Result<string> {
    try {
      return this.applyEdit(this.root(rootHash), op);
    } catch (e) {
      if (e instanceof JsonShapeError)
        return err('VALIDATION', `The value ${e.message}.`, { path: e.path === '' ? '/' : e.path });
      throw e;
    }
  }

  private applyEdit(r: RootNode, op: EditOp): Result<string> {
    switch (op.op) {
      case 'setSettings': {
        if (!isJsonObject(op.settings))
          return err('VALIDATION', 'Settings must be an object.', { path: 'settings' });
        const { id: _id, name: _name, ...settings } = op.settings;
        const kept =
          rawText(op.settings) !== undefined && !('id' in op.settings) && !('name' in op.settings);
        return ok(this.putRoot({ ...r, settings: this.putValue(kept ? op.settings : settings) }));
      }
      case 'setSection': {
        if (RESERVED_SECTIONS.has(op.key))
          return err(
            'VALIDATION',
            `"${op.key}" is not a section; edit it through its own operations.`,
            { path: 'key' },
          );
        const sections = { ...r.sections };
        if (op.value === undefined) delete sections[op.key];
        else setKey(sections, op.key, this.putSection(op.value));
        return ok(this.putRoot({ ...r, sections }));
      }
      case 'addDialog': {
        const bad = requireEntity(op.dialog, 'dialog');
        if (bad) return bad;
        const dialogs = this.lists.load(r.dialogs);
        const id = op.dialog.id as string;
        if (indexOfId(dialogs, id) >= 0)
          return err('CONFLICT', `A dialog with id "${id}" already exists.`, { path: 'dialog.id' });
        const node = this.putDialogNode(this.putValue(op.dialog), this.lists.build([]).hash);
        const at = clampIndex(op.index, listLength(dialogs));
        return ok(
          this.putRoot({
            ...r,
            dialogs: this.lists.splice(dialogs, at, 0, [{ id, hash: node }]).hash,
          }),
        );
      }
      case 'updateDialog': {
        const bad = requireEntity(op.dialog, 'dialog');
        if (bad) return bad;
        const found = this.findDialog(r, op.dialog.id as string);
        if (!found.ok) return found;
        const { dialogs, index, node } = found.value;
        const hash = this.putDialogNode(this.putValue(op.dialog), node.interactions);
        return ok(this.replaceDialog(r, dialogs, index, op.dialog.id as string, hash));
      }
      case 'removeDialog': {
        const found = this.findDialog(r, op.dialogId);
        if (!found.ok) return found;
        const { dialogs, index } = found.value;
        const order = this.editOrder(r.order, (runs) => runs.filter(([d]) => d !== op.dialogId));
        return ok(
          this.putRoot({ ...r, order, dialogs: this.lists.splice(dialogs, index, 1, []).hash }),
        );
      }
      case 'moveDialog': {
        const found = this.findDialog(r, op.dialogId);
        if (!found.ok) return found;
        const { dialogs, index, entry } = found.value;
        const without = this.lists.splice(dialogs, index, 1, []);
        const at = clampIndex(op.index, listLength(without));
        return ok(this.putRoot({ ...r, dialogs: this.lists.splice(without, at, 0, [entry]).hash }));
      }
      case 'addInteraction':
      case 'updateInteraction': {
        const bad = requireEntity(op.interaction, 'interaction');
        if (bad) return bad;
        const found = this.findDialog(r, op.dialogId);
        if (!found.ok) return found;
        const { dialogs, index, node } = found.value;
        const id = op.interaction.id as string;
        const interactions = this.lists.load(node.interactions);
        // An unchanged entity (read, then handed back) keeps its exact text.
        const value =
          op.interaction.group === op.dialogId
            ? op.interaction
            : { ...op.interaction, group: op.dialogId };
        const entry = { id, hash: this.putValue(value) };
        let next: ChunkedList;
        let order = r.order;
        if (op.op === 'addInteraction') {
          if (this.interactionExists(dialogs, id))
            return err('CONFLICT', `An interaction with id "${id}" already exists.`, {
              path: 'interaction.id',
            });
          const at = clampIndex(op.index, listLength(interactions));
          next = this.lists.splice(interactions, at, 0, [entry]);
          order = this.editOrder(r.order, (runs) => addToRuns(runs, op.dialogId, at));
        } else {
          const at = indexOfId(interactions, id);
          if (at < 0) return notFoundInteraction(id, op.dialogId);
          next = this.lists.splice(interactions, at, 1, [entry]);
        }
        return ok(
          this.replaceDialog(
            r,
            dialogs,
            index,
            op.dialogId,
            this.putDialogNode(node.dialog, next.hash),
            order,
          ),
        );
      }
      case 'removeInteraction':
      case 'moveInteraction': {
        const found = this.findDialog(r, op.dialogId);
        if (!found.ok) return found;
        const { dialogs, index, node } = found.value;
        const interactions = this.lists.load(node.interactions);
        const hit = findById(interactions, op.interactionId);
        if (hit === null) return notFoundInteraction(op.interactionId, op.dialogId);
        const { index: at, entry } = hit;
        let next = this.lists.splice(interactions, at, 1, []);
        let order = r.order;
        if (op.op === 'moveInteraction')
          next = this.lists.splice(next, clampIndex(op.index, listLength(next)), 0, [entry]);
        else order = this.editOrder(r.order, (runs) => removeFromRuns(runs, op.dialogId, at));
        return ok(
          this.replaceDialog(
            r,
            dialogs,
            index,
            op.dialogId,
            this.putDialogNode(node.dialog, next.hash),
            order,
          ),
        );
      }
    }
  }

  private findDialog(
    r: RootNode,
    dialogId: string,
  ): Result<{ dialogs: ChunkedList; index: number; node: DialogNode; entry: Entry }> {
    const dialogs = this.lists.load(r.dialogs);
    const found = findById(dialogs, dialogId);
    if (found === null)
      return err('NOT_FOUND', `There is no dialog with id "${dialogId}".`, { path: 'dialogId' });
    return ok({
      dialogs,
      index: found.index,
      node: this.dialogNode(found.entry.hash),
      entry: found.entry,
    });
  }

  /** The root with the dialog at `index` replaced by the dialog node `hash`. */
  private replaceDialog(
    r: RootNode,
    dialogs: ChunkedList,
    index: number,
    id: string,
    hash: string,
    order: string | null = r.order,
  ): string {
    return this.putRoot({
      ...r,
      order,
      dialogs: this.lists.splice(dialogs, index, 1, [{ id, hash }]).hash,
    });
  }

  private interactionExists(dialogs: ChunkedList, id: string): boolean {
    for (const chunk of must(dialogs.levels[0], 'dialogs.levels[0]'))
      for (const d of chunk.items)
        if (indexOfId(this.lists.load(this.dialogNode(d.hash).interactions), id) >= 0) return true;
    return false;
  }

  private editOrder(order: string | null, change: (runs: OrderRun[]) => OrderRun[]): string | null {
    if (order === null) return null;
    return this.putNode(
      mergeRuns(change((this.store.decode(order) as OrderRun[]).map(([d, n]) => [d, n]))),
    );
  }

  private entityList(values: readonly JsonValue[]): ChunkedList {
    return this.lists.build(values.map((v) => ({ id: entityId(v), hash: this.putValue(v) })));
  }

  private putSection(value: JsonValue): SectionRef {
    return Array.isArray(value)
      ? { list: this.entityList(value).hash }
      : { value: this.putValue(value) };
  }

  private putDialogNode(dialog: string, interactions: string): string {
    return this.putNode({ dialog, interactions });
  }

  private putRoot(root: RootNode): string {
    return this.putNode(root as unknown as JsonObject);
  }
}

/** A fresh in-memory store and snapshotter. */
export const createSnapshotter = (hashFn: HashFn, store = new MemoryNodeStore()): Snapshotter =>
  new Snapshotter(store, hashFn);

const indexOfId = (list: ChunkedList, id: string): number => findById(list, id)?.index ?? -1;

const clampIndex = (index: number | undefined, length: number): number =>
  index === undefined ? length : Math.max(0, Math.min(length, Math.trunc(index)));

function requireEntity(
  value: unknown,
  what: string,
): { ok: false; error: ReturnType<typeof err>['error'] } | null {
  if (!isJsonObject(value))
    return err('VALIDATION', `The ${what} must be an object.`, { path: what });
  if (typeof value.id !== 'string' || value.id === '')
    return err('VALIDATION', `The ${what} needs a non-empty string id.`, { path: `${what}.id` });
  return null;
}

const notFoundInteraction = (id: string, dialogId: string) =>
  err('NOT_FOUND', `There is no interaction with id "${id}" in dialog "${dialogId}".`, {
    path: 'interactionId',
  });

/** A new interaction at position `at` of its dialog takes the export slot of its neighbour. */
function addToRuns(runs: OrderRun[], dialogId: string, at: number): OrderRun[] {
  let seen = 0;
  let last = -1;
  for (let i = 0; i < runs.length; i++) {
    const run = must(runs[i], 'runs[i]');
    if (run[0] !== dialogId) continue;
    last = i;
    if (at < seen + run[1]) {
      run[1]++;
      return runs;
    }
    seen += run[1];
  }
  if (last >= 0) must(runs[last], 'runs[last]')[1]++;
  else runs.push([dialogId, 1]);
  return runs;
}

function removeFromRuns(runs: OrderRun[], dialogId: string, at: number): OrderRun[] {
  let seen = 0;
  for (const run of runs) {
    if (run[0] !== dialogId) continue;
    if (at < seen + run[1]) {
      run[1]--;
      break;
    }
    seen += run[1];
  }
  return runs;
}

function mergeRuns(runs: OrderRun[]): OrderRun[] {
  const out: OrderRun[] = [];
  for (const [d, n] of runs) {
    if (n <= 0) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last[0] === d) last[1] += n;
    else out.push([d, n]);
  }
  return out;
}

export type { Entry };
