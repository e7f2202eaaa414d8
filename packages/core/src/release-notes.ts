// Release notes (issue 14): what a release changes, from its diff against what the target ran
// before, grouped by dialog under the dialogs' names (never their ids), with the release's
// description on top. Pure: the API, the CLI and the web UI all show what `releaseNotes` builds;
// `releaseNotesMarkdown` is its text form.
import { entityName } from './content.js';
import type { Change, ChangeOp, Diff } from './diff.js';
import type { JsonValue } from './json.js';
import { fieldLabel } from './labels.js';
import { findById } from './prolly.js';
import type { Snapshotter } from './snapshot.js';

/** One line of the notes: an entity that was added, removed, changed or moved. */
export interface NoteItem {
  op: ChangeOp;
  /** What it is, as people say it: "interaction", "settings", "integration", "entry", "export order". */
  kind: string;
  /** Its name (bot content, untrusted), or null when it has none. */
  name: string | null;
  /**
   * The fields that changed, as people name them ("Message text", "Quick reply 2 title"; see
   * `fieldLabel`), each once, for changed and moved entities.
   */
  fields: string[];
  /** Interactions moved here from another dialog: that dialog's name. */
  movedFrom?: string;
}

export interface NoteDialog {
  /** The dialog's name, or "Unnamed dialog". */
  name: string;
  /** What happened to the dialog itself (null: only its interactions changed). */
  op: ChangeOp | null;
  /** The dialog's own fields that changed, as people name them. */
  fields: string[];
  items: NoteItem[];
}

export interface ReleaseNotes {
  version: string;
  /** "Support (Dev) → Support (Prod)". */
  route: string;
  description: string;
  createdBy: string;
  createdAt: string;
  /** What the changes are measured against, e.g. `"Support (Prod)" before the upgrade (version #3)`. */
  against: string;
  /** The diff's one-line summary. */
  summary: string;
  dialogs: NoteDialog[];
  /** Settings, integrations, other sections and the export order. */
  other: NoteItem[];
}

export interface ReleaseNotesInput {
  release: {
    version: string;
    description: string;
    createdBy: string;
    createdAt: string;
    sourceName: string | null;
    targetName: string | null;
  };
  against: string;
  diff: Diff;
  /** Names of dialogs that did not change themselves, by id (see `dialogNamesIn`). */
  dialogNames: Readonly<Record<string, string>>;
}

const UNNAMED_DIALOG = 'Unnamed dialog';

const KIND: Record<Change['kind'], string> = {
  settings: 'settings',
  dialog: 'dialog',
  interaction: 'interaction',
  integration: 'integration',
  section: 'entry',
  order: 'export order',
};

const item = (c: Change, names: ReadonlyMap<string, string>): NoteItem => ({
  op: c.op,
  kind: KIND[c.kind],
  name: c.kind === 'section' ? (c.name ?? c.section ?? null) : c.name,
  fields:
    c.op === 'changed' || c.op === 'moved'
      ? [...new Set(c.fields.map((f) => fieldLabel(c, f.path, c.after ?? c.before)))]
      : [],
  ...(c.fromDialogId !== undefined && {
    movedFrom: names.get(c.fromDialogId) ?? UNNAMED_DIALOG,
  }),
});

/** Build the notes of a release from its diff, keeping the diff's (export) order. */
export function releaseNotes(input: ReleaseNotesInput): ReleaseNotes {
  const names = new Map(Object.entries(input.dialogNames));
  for (const c of input.diff.changes)
    if (c.kind === 'dialog' && c.id !== null && c.name !== null) names.set(c.id, c.name);
  const dialogs = new Map<string, NoteDialog>();
  const dialog = (id: string | undefined): NoteDialog => {
    const key = id ?? '';
    let d = dialogs.get(key);
    if (!d) {
      const name = (id !== undefined && names.get(id)) || UNNAMED_DIALOG;
      d = { name, op: null, fields: [], items: [] };
      dialogs.set(key, d);
    }
    return d;
  };
  const other: NoteItem[] = [];
  for (const c of input.diff.changes) {
    if (c.kind === 'dialog') {
      const d = dialog(c.id ?? undefined);
      d.op = c.op;
      d.fields = item(c, names).fields;
    } else if (c.kind === 'interaction') dialog(c.dialogId).items.push(item(c, names));
    else other.push(item(c, names));
  }
  const { release } = input;
  return {
    version: release.version,
    route: `${release.sourceName ?? 'unknown'} → ${release.targetName ?? 'unknown'}`,
    description: release.description,
    createdBy: release.createdBy,
    createdAt: release.createdAt,
    against: input.against,
    summary: input.diff.summary.text || 'No changes.',
    dialogs: [...dialogs.values()],
    other,
  };
}

/**
 * The names of the dialogs `ids` in snapshot `root` (those it holds), read through the
 * snapshotter: only the dialog list and the dialogs asked for.
 */
export function dialogNamesIn(
  snap: Snapshotter,
  root: string,
  ids: Iterable<string>,
): Record<string, string> {
  const list = snap.lists.load(snap.root(root).dialogs);
  const out: Record<string, string> = {};
  for (const id of ids) {
    const found = findById(list, id);
    if (!found) continue;
    const name = entityName(
      snap.store.decode(snap.dialogNode(found.entry.hash).dialog) as JsonValue,
    );
    if (name !== null) out[id] = name;
  }
  return out;
}

/** The dialogs an interaction change names that have no change of their own (so no name in the diff). */
export function unnamedDialogIds(diff: Diff): string[] {
  const named = new Set(diff.changes.filter((c) => c.kind === 'dialog').map((c) => c.id));
  const ids = new Set<string>();
  for (const c of diff.changes)
    if (c.kind === 'interaction')
      for (const id of [c.dialogId, c.fromDialogId])
        if (id !== undefined && !named.has(id)) ids.add(id);
  return [...ids];
}

/**
 * Markdown's inline special characters (emphasis, code, links, HTML, tables), and newlines, made
 * inert in bot content; it never starts a line, so block markers (`#`, `-`, `1.`) need nothing.
 */
const inline = (text: string) =>
  text.replace(/[\r\n\t]+/g, ' ').replace(/[\\`*_[\]|<>~&]/g, (c) => `\\${c}`);
/** The author's own text (the description): kept as written, but never raw HTML. */
const block = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const OP: Record<ChangeOp, string> = {
  added: 'Added',
  removed: 'Removed',
  changed: 'Changed',
  moved: 'Moved',
};

function line(i: NoteItem): string {
  const what = i.name !== null ? `${i.kind} “${inline(i.name)}”` : `an unnamed ${i.kind}`;
  const from = i.movedFrom !== undefined ? ` from dialog “${inline(i.movedFrom)}”` : '';
  const fields = i.fields.length > 0 ? ` (${i.fields.map(inline).join(', ')})` : '';
  return `- ${OP[i.op]} ${i.kind === 'settings' || i.kind === 'export order' ? i.kind : what}${from}${fields}`;
}

/** The notes as Markdown: title, description, then a section per dialog and one for the rest. */
export function releaseNotesMarkdown(notes: ReleaseNotes): string {
  const out = [`# Release ${inline(notes.version)}`, '', `Route: ${inline(notes.route)}`, ''];
  if (notes.description.trim()) out.push(block(notes.description.trim()), '');
  out.push(
    `Created by ${inline(notes.createdBy)} on ${notes.createdAt.slice(0, 10)}. Changes against ${inline(notes.against)}: ${inline(notes.summary)}`,
    '',
  );
  for (const d of notes.dialogs) {
    out.push(`## Dialog “${inline(d.name)}”${d.op ? ` (${d.op})` : ''}`, '');
    if (d.op !== null && (d.fields.length > 0 || d.items.length === 0))
      out.push(line({ op: d.op, kind: 'dialog', name: d.name, fields: d.fields }));
    for (const i of d.items) out.push(line(i));
    out.push('');
  }
  if (notes.other.length > 0) {
    out.push('## Other changes', '');
    for (const i of notes.other) out.push(line(i));
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
