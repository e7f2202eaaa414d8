// Checking a snapshot tree that a client built (content-addressed sync): the server accepts a root
// only if it is exactly the tree a plain import of its own export would write, with the checks of
// importCbExport and their messages and paths. It costs the change, not the bot, in what it reads
// of entities: an entity sitting where the base tree (the working copy being replaced) has the same
// hash in the same place was checked when that tree was accepted. The structure (lists, dialog
// nodes) of both trees is read whole: duplicate ids can come from combining two accepted subtrees,
// and with no id index stored, only the whole list of ids shows them.
import { entityId, orderRuns, type OrderRun } from './content.js';
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
  ) {
    super(message);
  }
}

const refuse = (message: string, path = 'root'): never => {
  throw new Refused(message, path);
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
  try {
    return ok(
      await new TreeChecker(memory, source, options.baseSource ?? source, hashFn).run(root, base),
    );
  } catch (e) {
    if (e instanceof Refused) return err('VALIDATION', e.message, { path: e.path });
    throw e;
  }
}

interface Structure {
  root: RootNode;
  /** Each dialog: its id, dialog node, dialog entity, interaction list (top node) and entries. */
  dialogs: {
    id: string | null;
    node: string;
    dialog: string;
    list: string;
    interactions: Entry[];
  }[];
  sections: [key: string, ref: SectionRef, entries: Entry[] | null][];
  lists: Set<string>;
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

  async run(rootHash: string, baseHash: string | null): Promise<CheckedTree> {
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
    const occurrences: Occurrence[] = [
      {
        key: 's',
        hash: tree.root.settings,
        check: (v) => {
          if (!isJsonObject(v)) fieldError('/bot', exportProblem.notObject('/bot'));
          else if (Object.hasOwn(v, 'id') || Object.hasOwn(v, 'name'))
            refuse(
              'The settings node holds "id" or "name", which belong to the automation.',
              '/bot',
            );
          depth(v, '/bot', 1);
        },
      },
    ];
    tree.dialogs.forEach((d, i) => {
      const id = must(d.id, 'd.id');
      if (sameDialog.has(id)) return;
      occurrences.push({
        key: 'd' + JSON.stringify(id),
        hash: d.dialog,
        check: (v) => {
          const path = `/groups/${i}`;
          requireId(v, path, id, 'dialog');
          depth(v, path, 2);
        },
      });
    });
    const seen = new Set<string>();
    order.forEach(([dialogId, entry], k) => {
      const path = `/conversationMessage/${k}`;
      if (entry.id === null) fieldError(`${path}/id`, exportProblem.noId(path));
      const id = must(entry.id, 'entry.id');
      if (seen.has(id)) fieldError(`${path}/id`, exportProblem.repeatedId(path, id));
      seen.add(id);
      if (sameInteractions.has(dialogId)) return;
      occurrences.push({
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
              exportProblem.at(
                path,
                `points at dialog “${group}” but sits in dialog “${dialogId}”`,
              ),
            );
          depth(v, path, 2);
        },
      });
    });
    let integrations = 0;
    for (const [key, ref, entries] of tree.sections) {
      const at = '/' + escapePointer(key);
      if (RESERVED_SECTIONS.has(key)) refuse(`"${key}" is not a section.`, at);
      if ('value' in ref) {
        occurrences.push({
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
        });
        continue;
      }
      const ids = new Set<string>();
      must(entries, 'section entries').forEach((e, j) => {
        const path = `${at}/${j}`;
        if (key === 'responder') {
          integrations++;
          if (e.id !== null) {
            if (ids.has(e.id)) fieldError(`${path}/id`, exportProblem.repeatedId(path, e.id));
            ids.add(e.id);
          }
        }
        occurrences.push({
          key: `l${JSON.stringify(key)}${JSON.stringify(e.id)}`,
          hash: e.hash,
          check: (v) => {
            if (key === 'responder') requireId(v, path, e.id, 'integration');
            else if (entityId(v as JsonValue) !== e.id)
              refuse(`The tree holds ${exportPlace(path)} without the id its list names.`, path);
            depth(v, path, 2);
          },
        });
      });
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
      counts: { dialogs: tree.dialogs.length, interactions, integrations },
      entityDelta: delta,
      checkedEntities: toCheck.length,
    };
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
    };
  }

  private async fetch(hashes: readonly string[], trusted = false): Promise<void> {
    const wanted = [...new Set(hashes.filter((h) => this.memory.get(h) === undefined))];
    if (wanted.length === 0) return;
    const found = await (trusted ? this.baseSource : this.source).getMany(wanted);
    for (const h of wanted) {
      const body = found.get(h);
      if (body === undefined)
        refuse(`The tree refers to node ${h}, which the server does not hold: upload it first.`);
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

  /** Fetch every chunk of these lists, level by level, checking each chunk's shape. */
  private async loadLists(tops: readonly string[], trusted: boolean): Promise<void> {
    let frontier: [string, number | null][] = tops.map((h) => [h, null]);
    const visited = new Set<string>();
    while (frontier.length > 0) {
      await this.fetch(
        frontier.map(([h]) => h),
        trusted,
      );
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
