// Checking a snapshot tree that a client built (content-addressed sync): the server accepts a root
// only if it is exactly the tree a plain import of its own export would write, with the checks of
// importCbExport and their messages and paths. It costs the change, not the bot, in what it reads
// of entities: an entity sitting where the base tree (the working copy being replaced) has the same
// hash in the same place was checked when that tree was accepted. The structure (lists, dialog
// nodes) of both trees is read whole: duplicate ids can come from combining two accepted subtrees,
// and with no id index stored, only the whole list of ids shows them.
import { entityId, orderOfRuns, orderRuns, type OrderRun } from './content.js';
import type { HashFn } from './hash.js';
import {
  MAX_DEPTH,
  canonicalJson,
  escapePointer,
  isJsonObject,
  plainJson,
  type JsonValue,
} from './json.js';
import { exportPlace, exportProblem, notACbExport } from './export-problems.js';
import { compactJson } from './lexical.js';
import type { Entry } from './prolly.js';
import { err, ok, type Result } from './result.js';
import { createSnapshotter, type RootNode, type SectionRef } from './snapshot.js';
import { MemoryNodeStore, type AsyncNodeStore } from './store.js';
import { must } from './must.js';

const HASH = /^[0-9a-f]{64}$/;
const RESERVED_SECTIONS = new Set(['bot', 'groups', 'conversationMessage']);
/** More list entries than any export within the import size limit can hold. */
export const MAX_TREE_ENTRIES = 2_000_000;
/** Deepest list (levels above the entries); 64^8 entries is far beyond any export. */
const MAX_LIST_LEVEL = 8;

export interface TreeCounts {
  dialogs: number;
  interactions: number;
  integrations: number;
}

export interface CheckedTree {
  counts: TreeCounts;
  /**
   * Entities whose number of occurrences differs between the tree and the base: hash → occurrences
   * in the tree minus in the base. Their bodies are in the memory store (for counting references).
   */
  entityDelta: Map<string, number>;
  /** Entities read and checked (the others sat in the same place in the base tree). */
  checkedEntities: number;
}

class Refused extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const refuse = (message: string, path = 'root', details?: Record<string, unknown>): never => {
  throw new Refused(message, path, details);
};

/** The refusal importCbExport gives the same file: its message, and the pointer as `path`. */
const fieldError = (path: string, problem: string): never => refuse(notACbExport(problem), path);

/** Nesting deeper than `limit` (stops looking once past it, so it never recurses far). */
function tooDeep(value: unknown, depth: number, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= limit) return true;
  for (const v of Object.values(value)) if (tooDeep(v, depth + 1, limit)) return true;
  return false;
}

/**
 * A node as uploaded, in one of the forms the snapshotter writes, no deeper than an export allows:
 * canonical JSON (tree nodes), an entity as JSON.stringify writes it in its own key order, or an
 * entity's exact compact text after one space (when JSON.stringify would not give that text back:
 * lexical.ts). Returns the reason it is not, or null.
 */
export function nodeTextProblem(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'is not JSON';
  }
  if (tooDeep(value, 0, MAX_DEPTH)) return `nests deeper than ${MAX_DEPTH} levels`;
  const json = value as JsonValue;
  if (canonicalJson(json) === text || plainJson(json) === text) return null;
  if (text.charCodeAt(0) === 0x20 && typeof value === 'object' && value !== null) {
    const exact = text.slice(1);
    if (compactJson(exact) === exact && plainJson(json) !== exact) return null;
  }
  return 'is not a node as Ferry writes it (canonical JSON, an entity as JSON.stringify writes it, or its exact compact text after one space)';
}

const isPlace = (p: unknown): boolean =>
  p === null || p === 0 || (Array.isArray(p) && p.length === 1 && typeof p[0] === 'string');

/** The shape of an export-format node (content.ts ExportFormat); the reason it is wrong, or null. */
function formatProblem(f: unknown): string | null {
  if (!isJsonObject(f)) return 'not an object';
  if (!Array.isArray(f.keys) || !f.keys.every((k) => typeof k === 'string'))
    return 'keys must be a list of strings';
  if (!isPlace(f.botId) || !isPlace(f.botName)) return 'botId and botName must be places';
  if (!isJsonObject(f.identity)) return 'identity must be an object';
  for (const v of Object.values(f.identity)) {
    if (!isJsonObject(v) || !isPlace(v.at)) return 'each identity entry needs a place "at"';
    if (
      v.except !== undefined &&
      (!isJsonObject(v.except) || !Object.values(v.except).every(isPlace))
    )
      return 'identity exceptions must be places';
  }
  return null;
}

interface Chunk {
  l: number;
  i: (string | [string | null, string])[];
}

interface Occurrence {
  /** Where it sits: role and the ids around it; equal keys in both trees mean the same checks. */
  key: string;
  hash: string;
  check: (value: unknown) => void;
}

export interface CheckOptions {
  /**
   * Where the base tree's nodes are read from (default: `source`): a cache may serve here, as the
   * base is a stored tree (complete, and kept while it is the working copy). The base is read
   * first, so that the nodes the tree shares with it are not read again; the tree's other nodes
   * come from `source`, which is what shows they are stored.
   */
  baseSource?: AsyncNodeStore;
  /**
   * The structures of trees checked before (or read as a base), by root. With the base's, a tree
   * is checked by reading and checking only what differs from it; an accepted tree's structure is
   * added. Structures are derived from immutable nodes: one cache may serve every check.
   */
  structures?: StructureCache;
}

/** What a check keeps of a tree to check the next one against it (see CheckOptions). */
export interface KnownTree {
  readonly structure: unknown;
}

export interface StructureCache {
  get(root: string): KnownTree | undefined;
  set(root: string, tree: KnownTree): void;
}

/**
 * Check the tree `root` (its nodes in `source`, or already in `memory`) against the base tree
 * `base` (a tree the server accepted before; null: none). Refusals are VALIDATION errors with the
 * export path of the offending entity, worded as importCbExport words them.
 */
export async function checkTree(
  memory: MemoryNodeStore,
  source: AsyncNodeStore,
  hashFn: HashFn,
  root: string,
  base: string | null,
  options: CheckOptions = {},
): Promise<Result<CheckedTree>> {
  const checker = () => new TreeChecker(memory, source, options.baseSource ?? source, hashFn);
  const cache = options.structures;
  const known = base === null ? undefined : (cache?.get(base) as Known | undefined);
  if (cache !== undefined && known !== undefined && HASH.test(root))
    try {
      // Read and check only what differs from the base; anything it is unsure of (or would
      // refuse) goes through the whole check below, which words the refusal.
      const changed = await checker().runChange(root, known);
      if (changed !== null) {
        cache.set(root, changed.known);
        return ok(changed.checked);
      }
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
    }
  try {
    const whole = await checker().run(root, base);
    if (cache !== undefined) {
      cache.set(root, new Known(whole.tree));
      if (base !== null && whole.base !== null && known === undefined)
        cache.set(base, new Known(whole.base));
    }
    return ok(whole.checked);
  } catch (e) {
    if (e instanceof Refused)
      return err('VALIDATION', e.message, {
        path: e.path,
        ...(e.details !== undefined && { details: e.details }),
      });
    throw e;
  }
}

interface DialogRecord {
  id: string | null;
  node: string;
  dialog: string;
  list: string;
  interactions: Entry[];
}

interface Structure {
  root: RootNode;
  /** Each dialog: its id, dialog node, dialog entity, interaction list (top node) and entries. */
  dialogs: DialogRecord[];
  sections: [key: string, ref: SectionRef, entries: Entry[] | null][];
  /** List tops known to be chunked as Ferry chunks lists (this tree's, and maybe earlier ones'). */
  lists: Set<string>;
  /** The nodes of the dialog list. */
  dialogChunks: Set<string>;
}

/**
 * Interaction id → its dialog's id in a tree, as changes to an earlier tree's index (a chain of a
 * few overlays, flattened when it grows), so that a change costs its own size.
 */
class IdIndex {
  private constructor(
    private readonly parent: IdIndex | null,
    /** Ids added (→ dialog) or removed (→ null) here. */
    private readonly own: Map<string, string | null>,
    private readonly depth: number,
  ) {}

  static of(s: Structure): IdIndex {
    const own = new Map<string, string | null>();
    for (const d of s.dialogs)
      for (const e of d.interactions) if (e.id !== null) own.set(e.id, d.id);
    return new IdIndex(null, own, 0);
  }

  get(id: string): string | undefined {
    if (this.own.has(id)) return this.own.get(id) ?? undefined;
    return this.parent?.get(id);
  }

  derive(removed: readonly string[], added: readonly [string, string][]): IdIndex {
    const own = new Map<string, string | null>();
    for (const id of removed) own.set(id, null);
    for (const [id, dialog] of added) own.set(id, dialog);
    const next = new IdIndex(this, own, this.depth + 1);
    return next.depth < 8 ? next : next.flatten();
  }

  /** The overlays from the first to this one. */
  private chain(): IdIndex[] {
    return this.parent === null ? [this] : [...this.parent.chain(), this];
  }

  private flatten(): IdIndex {
    const own = new Map<string, string | null>();
    for (const at of this.chain())
      for (const [id, dialog] of at.own)
        if (dialog === null) own.delete(id);
        else own.set(id, dialog);
    return new IdIndex(null, own, 0);
  }
}

/** A tree a check has seen: its structure, with indexes built when first needed. */
class Known implements KnownTree {
  private nodes?: Map<string, DialogRecord>;
  private ids?: Map<string | null, DialogRecord>;

  constructor(
    readonly structure: Structure,
    private interactions?: IdIndex,
  ) {}

  /** Its dialogs by dialog node. */
  byNode(): Map<string, DialogRecord> {
    return (this.nodes ??= new Map(this.structure.dialogs.map((d) => [d.node, d])));
  }

  /** Its dialogs by id. */
  byId(): Map<string | null, DialogRecord> {
    return (this.ids ??= new Map(this.structure.dialogs.map((d) => [d.id, d])));
  }

  interactionIds(): IdIndex {
    return (this.interactions ??= IdIndex.of(this.structure));
  }
}

class TreeChecker {
  private readonly chunks = new Map<string, Chunk>();
  private entries = 0;

  constructor(
    private readonly memory: MemoryNodeStore,
    private readonly source: AsyncNodeStore,
    private readonly baseSource: AsyncNodeStore,
    private readonly hashFn: HashFn,
  ) {}

  async run(
    rootHash: string,
    baseHash: string | null,
  ): Promise<{ checked: CheckedTree; tree: Structure; base: Structure | null }> {
    if (!HASH.test(rootHash)) refuse('The root must be a SHA-256 hash (64 lower-case hex digits).');
    const base = baseHash === null ? null : await this.structure(baseHash, true);
    const tree = await this.structure(rootHash, false, base);

    // Lists: chunked exactly as Ferry chunks them (the base's lists were).
    const scratch = createSnapshotter(this.hashFn, new MemoryNodeStore());
    const check = (top: string, entries: Entry[]) => {
      if (base?.lists.has(top)) return;
      if (scratch.lists.build(entries).hash !== top)
        refuse(`The list node ${top} is not chunked the way Ferry writes lists.`);
    };
    check(
      tree.root.dialogs,
      tree.dialogs.map((d) => ({ id: d.id, hash: d.node })),
    );
    for (const d of tree.dialogs) check(d.list, d.interactions);
    for (const [, ref, entries] of tree.sections)
      if ('list' in ref) check(ref.list, must(entries, 'section entries'));

    // Dialog ids, then interactions in export order (the paths a plain import reports).
    const dialogIds = new Set<string>();
    tree.dialogs.forEach((d, i) => {
      if (d.id === null) fieldError(`/groups/${i}/id`, exportProblem.noId(`/groups/${i}`));
      const id = must(d.id, 'd.id');
      if (dialogIds.has(id))
        fieldError(`/groups/${i}/id`, exportProblem.repeatedId(`/groups/${i}`, id));
      dialogIds.add(id);
    });
    const order = await this.exportOrder(tree, base);
    // A dialog whose entity, or whose interaction list, is the base's under the same id holds
    // what was checked when the base was accepted: its occurrences are left out on both sides
    // (they would cancel), so that what follows costs the change, not the bot.
    const sameDialog = new Set<string>();
    const sameInteractions = new Set<string>();
    if (base !== null) {
      const before = new Map(base.dialogs.map((d) => [d.id, d]));
      for (const d of tree.dialogs) {
        const b = d.id === null ? undefined : before.get(d.id);
        if (b === undefined || d.id === null) continue;
        if (b.dialog === d.dialog) sameDialog.add(d.id);
        if (b.list === d.list) sameInteractions.add(d.id);
      }
    }
    const occurrences: Occurrence[] = [this.settingsOccurrence(tree.root.settings)];
    tree.dialogs.forEach((d, i) => {
      if (!sameDialog.has(must(d.id, 'd.id')))
        occurrences.push(this.dialogOccurrence(d, `/groups/${i}`));
    });
    const seen = new Set<string>();
    order.forEach(([dialogId, entry], k) => {
      const path = `/conversationMessage/${k}`;
      if (entry.id === null) fieldError(`${path}/id`, exportProblem.noId(path));
      const id = must(entry.id, 'entry.id');
      if (seen.has(id)) fieldError(`${path}/id`, exportProblem.repeatedId(path, id));
      seen.add(id);
      if (!sameInteractions.has(dialogId))
        occurrences.push(this.interactionOccurrence(dialogId, entry, path, dialogIds));
    });
    let integrations = 0;
    for (const [key, ref, entries] of tree.sections) {
      if (key === 'responder') integrations += entries?.length ?? 0;
      occurrences.push(...this.sectionOccurrences(key, ref, entries));
    }

    // The entities: those in the same place in the base were checked when it was accepted.
    const trusted = new Set<string>();
    const delta = new Map<string, number>();
    if (base !== null)
      for (const o of this.occurrencesOf(base, sameDialog, sameInteractions)) {
        trusted.add(o.key + o.hash);
        delta.set(o.hash, (delta.get(o.hash) ?? 0) - 1);
      }
    const toCheck = occurrences.filter((o) => !trusted.has(o.key + o.hash));
    for (const o of occurrences) delta.set(o.hash, (delta.get(o.hash) ?? 0) + 1);
    for (const [h, n] of delta) if (n === 0) delta.delete(h);
    await this.fetch([...toCheck.map((o) => o.hash), ...delta.keys()]);
    for (const o of toCheck) o.check(this.memory.decode(o.hash));

    let interactions = 0;
    for (const d of tree.dialogs) interactions += d.interactions.length;
    return {
      checked: {
        counts: { dialogs: tree.dialogs.length, interactions, integrations },
        entityDelta: delta,
        checkedEntities: toCheck.length,
      },
      tree,
      base,
    };
  }

  private settingsOccurrence(hash: string): Occurrence {
    return {
      key: 's',
      hash,
      check: (v) => {
        if (!isJsonObject(v)) fieldError('/bot', exportProblem.notObject('/bot'));
        else if (Object.hasOwn(v, 'id') || Object.hasOwn(v, 'name'))
          refuse('The settings node holds "id" or "name", which belong to the automation.', '/bot');
        depth(v, '/bot', 1);
      },
    };
  }

  /** A dialog's entity where it sits (`path`: its place in the export, for refusals). */
  private dialogOccurrence(d: DialogRecord, path: string): Occurrence {
    const id = must(d.id, 'd.id');
    return {
      key: 'd' + JSON.stringify(id),
      hash: d.dialog,
      check: (v) => {
        requireId(v, path, id, 'dialog');
        depth(v, path, 2);
      },
    };
  }

  /** An interaction where it sits: in dialog `dialogId`, among the dialogs `dialogIds`. */
  private interactionOccurrence(
    dialogId: string,
    entry: Entry,
    path: string,
    dialogIds: ReadonlySet<string>,
  ): Occurrence {
    const id = must(entry.id, 'entry.id');
    return {
      key: `i${JSON.stringify(dialogId)}${JSON.stringify(id)}`,
      hash: entry.hash,
      check: (v) => {
        requireId(v, path, id, 'interaction');
        const group = (v as Record<string, unknown>).group;
        if (typeof group !== 'string') fieldError(`${path}/group`, exportProblem.noDialog(path));
        else if (!dialogIds.has(group))
          fieldError(
            `${path}/group`,
            exportProblem.at(path, `points at dialog “${group}”, which does not exist`),
          );
        else if (group !== dialogId)
          fieldError(
            `${path}/group`,
            exportProblem.at(path, `points at dialog “${group}” but sits in dialog “${dialogId}”`),
          );
        depth(v, path, 2);
      },
    };
  }

  /** A section's entities (integrations: with unique ids). */
  private sectionOccurrences(key: string, ref: SectionRef, entries: Entry[] | null): Occurrence[] {
    const at = '/' + escapePointer(key);
    if (RESERVED_SECTIONS.has(key)) refuse(`"${key}" is not a section.`, at);
    if ('value' in ref)
      return [
        {
          key: 'v' + JSON.stringify(key),
          hash: ref.value,
          check: (v) => {
            if (key === 'responder') fieldError('/responder', exportProblem.notList('/responder'));
            if (Array.isArray(v))
              refuse(
                `The tree stores ${exportPlace(at)} as one value, but Ferry stores a list.`,
                at,
              );
            depth(v, at, 1);
          },
        },
      ];
    const ids = new Set<string>();
    return must(entries, 'section entries').map((e, j) => {
      const path = `${at}/${j}`;
      if (key === 'responder' && e.id !== null) {
        if (ids.has(e.id)) fieldError(`${path}/id`, exportProblem.repeatedId(path, e.id));
        ids.add(e.id);
      }
      return {
        key: `l${JSON.stringify(key)}${JSON.stringify(e.id)}`,
        hash: e.hash,
        check: (v) => {
          if (key === 'responder') requireId(v, path, e.id, 'integration');
          else if (entityId(v as JsonValue) !== e.id)
            refuse(`The tree holds ${exportPlace(path)} without the id its list names.`, path);
          depth(v, path, 2);
        },
      };
    });
  }

  /**
   * The places of a tree's entities, with no checks (for the base, which was accepted), but for
   * the dialog entities and interactions of the dialogs named in `sameDialog` / `sameInteractions`.
   */
  private occurrencesOf(
    s: Structure,
    sameDialog: ReadonlySet<string>,
    sameInteractions: ReadonlySet<string>,
  ): { key: string; hash: string }[] {
    const out = [{ key: 's', hash: s.root.settings }];
    for (const d of s.dialogs) {
      const id = must(d.id, 'd.id');
      if (!sameDialog.has(id)) out.push({ key: 'd' + JSON.stringify(id), hash: d.dialog });
      if (sameInteractions.has(id)) continue;
      for (const e of d.interactions)
        out.push({ key: `i${JSON.stringify(d.id)}${JSON.stringify(e.id)}`, hash: e.hash });
    }
    for (const [key, ref, entries] of s.sections) {
      if ('value' in ref) out.push({ key: 'v' + JSON.stringify(key), hash: ref.value });
      else
        for (const e of must(entries, 'entries'))
          out.push({ key: `l${JSON.stringify(key)}${JSON.stringify(e.id)}`, hash: e.hash });
    }
    return out;
  }

  /** The interactions as the export lists them: [dialog id, entry], following the order runs. */
  private async exportOrder(tree: Structure, base: Structure | null): Promise<[string, Entry][]> {
    const byId = new Map(tree.dialogs.map((d) => [must(d.id, 'd.id'), d]));
    if (tree.root.order === null)
      return tree.dialogs.flatMap((d) =>
        d.interactions.map((e) => [must(d.id, 'd.id'), e] as [string, Entry]),
      );
    await this.fetch([tree.root.order], tree.root.order === base?.root.order);
    const runs = this.memory.decode(tree.root.order);
    const malformed = () => refuse(`The export order node ${tree.root.order} is malformed.`);
    if (!Array.isArray(runs)) return malformed();
    const out: [string, Entry][] = [];
    const taken = new Map<string, number>();
    const groupOfEach: string[] = [];
    for (const run of runs as unknown[]) {
      if (
        !Array.isArray(run) ||
        run.length !== 2 ||
        typeof run[0] !== 'string' ||
        !Number.isSafeInteger(run[1]) ||
        (run[1] as number) < 1
      )
        return malformed();
      const [dialogId, count] = run as OrderRun;
      const dialog = byId.get(dialogId);
      const from = taken.get(dialogId) ?? 0;
      if (dialog === undefined || from + count > dialog.interactions.length)
        refuse(`The export order names more interactions of dialog "${dialogId}" than it holds.`);
      const d = must(dialog, 'dialog');
      for (let i = from; i < from + count; i++) {
        out.push([dialogId, must(d.interactions[i], 'interaction')]);
        groupOfEach.push(dialogId);
      }
      taken.set(dialogId, from + count);
    }
    for (const d of tree.dialogs)
      if ((taken.get(must(d.id, 'd.id')) ?? 0) !== d.interactions.length)
        refuse(`The export order leaves out interactions of dialog "${d.id}".`);
    const canonical = orderRuns(
      tree.dialogs.map((d) => must(d.id, 'd.id')),
      groupOfEach,
    );
    if (canonical === null || canonicalJson(canonical) !== canonicalJson(runs as OrderRun[]))
      refuse('The export order is not the one Ferry writes for this interaction order.');
    return out;
  }

  /** Every node of a loaded list. */
  private chunksOf(top: string): Set<string> {
    const out = new Set<string>();
    const walk = (hash: string) => {
      out.add(hash);
      const chunk = this.chunk(hash);
      if (chunk.l > 0) for (const child of chunk.i as string[]) walk(child);
    };
    walk(top);
    return out;
  }

  /**
   * Check the tree `rootHash` against a base a check has seen, reading and checking only what
   * differs from it: the dialogs, interaction lists and sections whose nodes changed, the new
   * entities, and the rules across the tree (unique dialog and interaction ids, the export order,
   * chunking) by what changed. Null when it cannot accept the tree that way (or it would refuse
   * it: a refusal is thrown): the whole check then decides and words any refusal.
   */
  async runChange(
    rootHash: string,
    known: Known,
  ): Promise<{ checked: CheckedTree; known: Known } | null> {
    const base = known.structure;
    await this.fetch([rootHash]);
    const root = this.rootNode(rootHash);
    if (root.format !== undefined && root.format !== base.root.format) {
      await this.fetch([root.format]);
      if (formatProblem(this.memory.decode(root.format)) !== null) return null;
    }
    // Sections: a list the base has under the same key is the base's; the others are read whole.
    const baseSections = new Map(base.sections.map((x) => [x[0], x]));
    const sameSection = (key: string, ref: SectionRef) => {
      const b = baseSections.get(key);
      return b !== undefined && canonicalJson(b[1]) === canonicalJson(ref);
    };
    const sectionRefs = Object.entries(root.sections);
    if (sectionRefs.some(([key]) => RESERVED_SECTIONS.has(key))) return null;
    const newSectionLists = sectionRefs.flatMap(([key, ref]) =>
      'list' in ref && !sameSection(key, ref) ? [ref.list] : [],
    );
    // The dialog list: its nodes the base has are stored (it is kept); the rest was uploaded.
    const dialogsChanged = root.dialogs !== base.root.dialogs;
    await this.loadLists(dialogsChanged ? [root.dialogs] : [], false, base.dialogChunks);
    await this.loadLists(newSectionLists, false);
    const lists = new Set(base.lists);
    const dialogChunks = dialogsChanged ? this.chunksOf(root.dialogs) : base.dialogChunks;
    const byNode = known.byNode();
    let dialogs: DialogRecord[];
    if (!dialogsChanged) dialogs = base.dialogs;
    else {
      const entries = this.listOf(root.dialogs, lists);
      const fresh = entries.filter((e) => byNode.get(e.hash)?.id !== e.id);
      await this.fetch(fresh.map((e) => e.hash));
      const nodes = new Map(fresh.map((e) => [e.hash, this.dialogNode(e.hash)]));
      await this.loadLists(
        [...nodes.values()].map((n) => n.interactions),
        false,
      );
      dialogs = entries.map((e) => {
        const same = byNode.get(e.hash);
        if (same !== undefined && same.id === e.id) return same;
        const node = nodes.get(e.hash) as { dialog: string; interactions: string };
        return {
          id: e.id,
          node: e.hash,
          dialog: node.dialog,
          list: node.interactions,
          interactions: this.listOf(node.interactions, lists),
        };
      });
    }
    const sections: Structure['sections'] = sectionRefs.map(([key, ref]) => {
      if (sameSection(key, ref)) return baseSections.get(key) as Structure['sections'][number];
      return [key, ref, 'list' in ref ? this.listOf(ref.list, lists) : null];
    });

    // Chunking, of the lists the base did not have.
    const scratch = createSnapshotter(this.hashFn, new MemoryNodeStore());
    const chunked = (top: string, entries: Entry[]) =>
      base.lists.has(top) || scratch.lists.build(entries).hash === top;
    if (
      dialogsChanged &&
      !chunked(
        root.dialogs,
        dialogs.map((d) => ({ id: d.id, hash: d.node })),
      )
    )
      return null;
    const byId = known.byId();
    const sameDialog = new Set<string>();
    const sameInteractions = new Set<string>();
    const dialogIds = new Set<string>();
    for (const d of dialogs) {
      if (d.id === null || dialogIds.has(d.id)) return null;
      dialogIds.add(d.id);
      const b = byId.get(d.id);
      if (b?.dialog === d.dialog) sameDialog.add(d.id);
      if (b?.list === d.list) sameInteractions.add(d.id);
      else if (!chunked(d.list, d.interactions)) return null;
    }
    for (const [key, ref, entries] of sections)
      if ('list' in ref && !sameSection(key, ref) && !chunked(ref.list, entries ?? [])) return null;

    // The export order, from each dialog's number of interactions.
    if (root.order !== null) {
      await this.fetch([root.order], root.order === base.root.order);
      if (!this.orderFits(this.memory.decode(root.order), dialogs)) return null;
    }
    // Interaction ids: those of changed lists, unique among them and against the unchanged ones.
    const ids = known.interactionIds();
    const seen = new Set<string>();
    const added: [string, string][] = [];
    for (const d of dialogs) {
      const dialogId = d.id as string;
      if (sameInteractions.has(dialogId)) continue;
      for (const e of d.interactions) {
        if (e.id === null || seen.has(e.id)) return null;
        seen.add(e.id);
        const owner = ids.get(e.id);
        if (owner !== undefined && sameInteractions.has(owner)) return null;
        added.push([e.id, dialogId]);
      }
    }
    const removed: string[] = [];
    for (const b of base.dialogs)
      if (!sameInteractions.has(b.id as string))
        for (const e of b.interactions) if (e.id !== null) removed.push(e.id);

    // The entities that changed place or content: checked, and counted for references.
    const occurrences: Occurrence[] = [];
    const before: { key: string; hash: string }[] = [];
    if (root.settings !== base.root.settings) {
      occurrences.push(this.settingsOccurrence(root.settings));
      before.push({ key: 's', hash: base.root.settings });
    }
    for (const d of dialogs)
      if (!sameDialog.has(d.id as string)) occurrences.push(this.dialogOccurrence(d, ''));
    for (const b of base.dialogs)
      if (!dialogIds.has(b.id as string) || !sameDialog.has(b.id as string))
        before.push({ key: 'd' + JSON.stringify(b.id), hash: b.dialog });
    for (const d of dialogs) {
      if (sameInteractions.has(d.id as string)) continue;
      for (const e of d.interactions)
        occurrences.push(this.interactionOccurrence(d.id as string, e, '', dialogIds));
    }
    for (const b of base.dialogs) {
      if (dialogIds.has(b.id as string) && sameInteractions.has(b.id as string)) continue;
      for (const e of b.interactions)
        before.push({ key: `i${JSON.stringify(b.id)}${JSON.stringify(e.id)}`, hash: e.hash });
    }
    const keys = new Set(sectionRefs.map(([key]) => key));
    for (const [key, ref, entries] of sections)
      if (!sameSection(key, ref)) occurrences.push(...this.sectionOccurrences(key, ref, entries));
    for (const [key, ref, entries] of base.sections)
      if (!keys.has(key) || !sameSection(key, root.sections[key] as SectionRef))
        before.push(...this.sectionOccurrences(key, ref, entries));
    const trusted = new Set(before.map((o) => o.key + o.hash));
    const delta = new Map<string, number>();
    for (const o of before) delta.set(o.hash, (delta.get(o.hash) ?? 0) - 1);
    for (const o of occurrences) delta.set(o.hash, (delta.get(o.hash) ?? 0) + 1);
    for (const [h, n] of delta) if (n === 0) delta.delete(h);
    const toCheck = occurrences.filter((o) => !trusted.has(o.key + o.hash));
    await this.fetch(toCheck.map((o) => o.hash));
    await this.fetch([...delta.keys()], true);
    for (const o of toCheck) o.check(this.memory.decode(o.hash));

    let interactions = 0;
    for (const d of dialogs) interactions += d.interactions.length;
    const responder = sections.find(([key]) => key === 'responder');
    const integrations = responder?.[2]?.length ?? 0;
    if (lists.size > 4 * (dialogs.length + sections.length + 1)) {
      // Known tops of earlier trees: start again from this one's.
      lists.clear();
      lists.add(root.dialogs);
      for (const d of dialogs) lists.add(d.list);
      for (const [, ref] of sections) if ('list' in ref) lists.add(ref.list);
    }
    const structure: Structure = { root, dialogs, sections, lists, dialogChunks };
    return {
      checked: {
        counts: { dialogs: dialogs.length, interactions, integrations },
        entityDelta: delta,
        checkedEntities: toCheck.length,
      },
      known: new Known(structure, ids.derive(removed, added)),
    };
  }

  /** An export-order node that fits the dialogs, as importCbExport records it (see exportOrder). */
  private orderFits(runs: unknown, dialogs: readonly DialogRecord[]): boolean {
    if (!Array.isArray(runs)) return false;
    const counts = new Map(dialogs.map((d) => [d.id, d.interactions.length]));
    const taken = new Map<string, number>();
    let previous: string | null = null;
    for (const run of runs as unknown[]) {
      if (
        !Array.isArray(run) ||
        run.length !== 2 ||
        typeof run[0] !== 'string' ||
        !Number.isSafeInteger(run[1]) ||
        (run[1] as number) < 1 ||
        run[0] === previous
      )
        return false;
      const [dialogId, count] = run as OrderRun;
      const has = counts.get(dialogId);
      const from = taken.get(dialogId) ?? 0;
      if (has === undefined || from + count > has) return false;
      taken.set(dialogId, from + count);
      previous = dialogId;
    }
    for (const d of dialogs)
      if ((taken.get(d.id as string) ?? 0) !== d.interactions.length) return false;
    // Not dialog by dialog (that is written as no order at all).
    return (
      orderOfRuns(
        dialogs.map((d) => d.id as string),
        runs as OrderRun[],
      ) !== null
    );
  }

  /** Read and shape-check a tree's root, lists and dialog nodes (not its entities). */
  private async structure(
    rootHash: string,
    trusted: boolean,
    base: Structure | null = null,
  ): Promise<Structure> {
    await this.fetch([rootHash], trusted);
    const root = trusted ? (this.memory.decode(rootHash) as RootNode) : this.rootNode(rootHash);
    if (!trusted && root.format !== undefined) {
      await this.fetch([root.format], root.format === base?.root.format);
      const problem = formatProblem(this.memory.decode(root.format));
      if (problem !== null)
        refuse(`The export-format node ${root.format} is malformed: ${problem}.`);
    }
    const sections = Object.entries(root.sections);
    const lists = new Set<string>();
    await this.loadLists(
      [root.dialogs, ...sections.flatMap(([, ref]) => ('list' in ref ? [ref.list] : []))],
      trusted,
    );
    const dialogEntries = this.listOf(root.dialogs, lists);
    await this.fetch(
      dialogEntries.map((e) => e.hash),
      trusted,
    );
    const dialogNodes = dialogEntries.map((e) =>
      trusted
        ? (this.memory.decode(e.hash) as { dialog: string; interactions: string })
        : this.dialogNode(e.hash),
    );
    await this.loadLists(
      dialogNodes.map((d) => d.interactions),
      trusted,
    );
    return {
      root,
      dialogs: dialogEntries.map((e, i) => {
        const node = must(dialogNodes[i], 'dialog node');
        return {
          id: e.id,
          node: e.hash,
          dialog: node.dialog,
          list: node.interactions,
          interactions: this.listOf(node.interactions, lists),
        };
      }),
      sections: sections.map(([key, ref]) => [
        key,
        ref,
        'list' in ref ? this.listOf(ref.list, lists) : null,
      ]),
      lists,
      dialogChunks: this.chunksOf(root.dialogs),
    };
  }

  private async fetch(hashes: readonly string[], trusted = false): Promise<void> {
    const wanted = [...new Set(hashes.filter((h) => this.memory.get(h) === undefined))];
    if (wanted.length === 0) return;
    const found = await (trusted ? this.baseSource : this.source).getMany(wanted);
    for (const h of wanted) {
      const body = found.get(h);
      if (body === undefined)
        refuse(
          `The tree refers to node ${h}, which the server does not hold: upload it first.`,
          'root',
          { missingNode: h },
        );
      this.memory.load(h, must(body, 'body'));
    }
  }

  private rootNode(hash: string): RootNode {
    const r = this.memory.decode(hash);
    const bad = (why: string): never => refuse(`The root node ${hash} is malformed: ${why}.`);
    if (!isJsonObject(r)) return bad('not an object');
    if (r.orphans !== undefined)
      refuse(
        'The tree holds interactions whose dialog is missing: send the whole export instead (a plain import keeps them and reports each).',
      );
    const keys = Object.keys(r).filter((k) => k !== 'format');
    if (keys.join(',') !== 'dialogs,order,sections,settings,v' || r.v !== 1)
      return bad('it needs exactly v: 1, settings, dialogs, order and sections (and a format)');
    if (!isHash(r.settings) || !isHash(r.dialogs) || (r.order !== null && !isHash(r.order)))
      return bad('settings, dialogs and order must be hashes');
    if (r.format !== undefined && !isHash(r.format)) return bad('format must be a hash');
    if (!isJsonObject(r.sections)) return bad('sections must be an object');
    for (const [key, ref] of Object.entries(r.sections)) {
      const keys = isJsonObject(ref) ? Object.keys(ref) : [];
      if (
        !isJsonObject(ref) ||
        keys.length !== 1 ||
        !(keys[0] === 'list' || keys[0] === 'value') ||
        !isHash(ref[keys[0]])
      )
        bad(`section "${key}" must be {"list": hash} or {"value": hash}`);
    }
    return r as unknown as RootNode;
  }

  private dialogNode(hash: string): { dialog: string; interactions: string } {
    const d = this.memory.decode(hash);
    if (
      !isJsonObject(d) ||
      Object.keys(d).join(',') !== 'dialog,interactions' ||
      !isHash(d.dialog) ||
      !isHash(d.interactions)
    )
      refuse(
        `The dialog node ${hash} is malformed: it needs exactly the hashes dialog and interactions.`,
      );
    return d as { dialog: string; interactions: string };
  }

  /**
   * Fetch every chunk of these lists, level by level, checking each chunk's shape. Chunks in
   * `stored` (a kept tree's) are read as a trusted tree's are.
   */
  private async loadLists(
    tops: readonly string[],
    trusted: boolean,
    stored?: ReadonlySet<string>,
  ): Promise<void> {
    let frontier: [string, number | null][] = tops.map((h) => [h, null]);
    const visited = new Set<string>();
    while (frontier.length > 0) {
      const hashes = frontier.map(([h]) => h);
      if (stored === undefined) await this.fetch(hashes, trusted);
      else {
        await this.fetch(
          hashes.filter((h) => stored.has(h)),
          true,
        );
        await this.fetch(
          hashes.filter((h) => !stored.has(h)),
          trusted,
        );
      }
      const next: [string, number | null][] = [];
      for (const [hash, level] of frontier) {
        const chunk = this.chunk(hash);
        if (level !== null && chunk.l !== level)
          refuse(`The list node ${hash} is at level ${chunk.l} where level ${level} belongs.`);
        if (chunk.l === 0) continue;
        for (const child of chunk.i as string[]) {
          const key = `${chunk.l - 1}:${child}`;
          if (visited.has(key)) continue;
          visited.add(key);
          next.push([child, chunk.l - 1]);
        }
      }
      frontier = next;
    }
  }

  private chunk(hash: string): Chunk {
    const known = this.chunks.get(hash);
    if (known) return known;
    const c = this.memory.decode(hash);
    const bad = (): never =>
      refuse(
        `The list node ${hash} is malformed: it needs exactly i (its items) and l (its level).`,
      );
    if (!isJsonObject(c) || Object.keys(c).join(',') !== 'i,l' || !Array.isArray(c.i)) return bad();
    const level = c.l;
    if (
      typeof level !== 'number' ||
      !Number.isInteger(level) ||
      level < 0 ||
      level > MAX_LIST_LEVEL
    )
      return bad();
    for (const item of c.i) {
      const fine =
        level > 0
          ? isHash(item)
          : Array.isArray(item) &&
            item.length === 2 &&
            (item[0] === null || typeof item[0] === 'string') &&
            isHash(item[1]);
      if (!fine) bad();
    }
    const chunk = c as unknown as Chunk;
    this.chunks.set(hash, chunk);
    return chunk;
  }

  /** The entries of a loaded list, in order. */
  private listOf(top: string, lists: Set<string>): Entry[] {
    lists.add(top);
    const out: Entry[] = [];
    const walk = (hash: string) => {
      const chunk = this.chunk(hash);
      if (chunk.l > 0) for (const child of chunk.i as string[]) walk(child);
      else {
        this.entries += chunk.i.length;
        if (this.entries > MAX_TREE_ENTRIES)
          refuse(`The tree holds more than ${MAX_TREE_ENTRIES} entries, more than any export can.`);
        for (const [id, h] of chunk.i as [string | null, string][]) out.push({ id, hash: h });
      }
    };
    walk(top);
    return out;
  }
}

const isHash = (v: unknown): v is string => typeof v === 'string' && HASH.test(v);

function requireId(v: unknown, path: string, listed: string | null, what: string): void {
  if (!isJsonObject(v)) fieldError(path, exportProblem.notObject(path));
  const id = (v as Record<string, unknown>).id;
  if (typeof id !== 'string' || id === '') fieldError(`${path}/id`, exportProblem.noId(path));
  if (id !== listed)
    fieldError(
      `${path}/id`,
      exportProblem.at(
        `${path}/id`,
        `is “${String(id)}”, but the tree lists this ${what} as “${String(listed)}”`,
      ),
    );
}

/** An entity at `level` of the export document nests no deeper than an import allows. */
function depth(v: unknown, path: string, level: number): void {
  if (tooDeep(v, level, MAX_DEPTH))
    fieldError(path, exportProblem.at(path, `nests deeper than ${MAX_DEPTH} levels`));
}
