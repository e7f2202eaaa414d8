// How a diff reads on a page, at any size: the summary first, then changes grouped per dialog (its
// interactions under it), settings, integrations, other entries and the export-order notice. Built
// on the server, so a page carries one page of dialog groups with counts, never every entity: a
// whole added or removed dialog is counts until it is opened (drill-down), and an opened dialog's
// changes come a page at a time. Values stay plain text (the page interpolates them, escaped);
// inside a changed text or code field the word or line diff comes from core's `valueDiff`. Fields
// are named as people say them (core's `fieldLabel`: "Message text", "Quick reply 2 title"), epoch
// times read as dates (`epochDate`) and each interaction carries its CB type for its one badge.
import {
  epochDate,
  fieldLabel,
  interactionType,
  isJsonObject,
  valueDiff,
  type Change,
  type ChangeOp,
  type DiffSummary,
  type JsonValue,
  type TextDiff,
} from '@ferry/core';

export interface DialogGroup {
  id: string;
  /** The dialog's own change (added, removed, changed, moved), if it has one. */
  change: Change | undefined;
  title: string;
  interactions: Change[];
}

export interface GroupedDiff {
  settings: Change[];
  dialogs: DialogGroup[];
  integrations: Change[];
  sections: Change[];
  order: Change[];
}

/** What a dialog is called when it has no name (never its raw id). */
export const UNNAMED_DIALOG = 'Unnamed dialog';

/**
 * Group changes for display, keeping the order the diff gave them in. A dialog is titled by its
 * own change's name, else by the name core gave its interactions' changes, else by `dialogNames`.
 */
export function groupChanges(
  changes: readonly Change[],
  dialogNames: Readonly<Record<string, string>> = {},
): GroupedDiff {
  const out: GroupedDiff = { settings: [], dialogs: [], integrations: [], sections: [], order: [] };
  const dialogs = new Map<string, DialogGroup>();
  const dialog = (id: string, name: string | null | undefined): DialogGroup => {
    let g = dialogs.get(id);
    if (!g) {
      const known = Object.hasOwn(dialogNames, id) ? dialogNames[id] : undefined;
      g = { id, change: undefined, title: name ?? known ?? UNNAMED_DIALOG, interactions: [] };
      dialogs.set(id, g);
      out.dialogs.push(g);
    }
    return g;
  };
  for (const c of changes) {
    switch (c.kind) {
      case 'settings':
        out.settings.push(c);
        break;
      case 'dialog': {
        const g = dialog(String(c.id), c.name);
        g.change = c;
        if (c.name !== null) g.title = c.name;
        break;
      }
      case 'interaction':
        dialog(c.dialogId ?? '(no dialog)', c.dialogName).interactions.push(c);
        break;
      case 'integration':
        out.integrations.push(c);
        break;
      case 'section':
        out.sections.push(c);
        break;
      case 'order':
        out.order.push(c);
        break;
    }
  }
  return out;
}

export const OP_LABEL: Record<ChangeOp, string> = {
  added: 'Added',
  removed: 'Removed',
  changed: 'Changed',
  moved: 'Moved',
};

export interface ShownValue {
  /** The value as text: strings as they are, anything else as JSON. */
  text: string;
  /** Long or multi-line: show in a <pre>. */
  block: boolean;
  absent: boolean;
}

const LONG = 80;

/**
 * An untrusted JSON value as text (the page interpolates it, so it is always escaped); given the
 * field's path, an epoch time under a time key reads as its date (`2025-02-12 12:00:00 UTC`).
 */
export function showValue(value: JsonValue | undefined, path = ''): ShownValue {
  if (value === undefined) return { text: '(absent)', block: false, absent: true };
  const date = epochDate(path, value);
  if (date !== null) return { text: date, block: false, absent: false };
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return { text, block: text.length > LONG || text.includes('\n'), absent: false };
}

// ---- The page's view of a diff ----

/** Dialog groups per page. */
export const GROUPS_PER_PAGE = 25;
/** Changes per page inside an opened dialog, and integrations or other entries shown at most. */
export const CHANGES_PER_PAGE = 25;
/** A changed dialog with at most this many interaction changes shows them without a drill-down. */
export const SHOWN_UNOPENED = 10;

export interface Counts {
  added: number;
  removed: number;
  changed: number;
  moved: number;
}

export interface FieldView {
  /** The field's JSON pointer (for a title: the label is what the page says). */
  path: string;
  /** The field as people name it: "Message text", "Quick reply 2 title", "The whole dialog". */
  label: string;
  before: ShownValue;
  after: ShownValue;
  /** The word or line diff of a changed text, code or JSON field; null: show before and after. */
  diff: TextDiff | null;
}

export interface ChangeView {
  kind: Change['kind'];
  op: ChangeOp;
  /** What the change is called: its name, else its export key, else "(unnamed)". */
  title: string;
  /** An interaction's or dialog's CB type (`QUICK_REPLY`, `DIALOG`…), for its one type badge. */
  type: string | null;
  /** A move between dialogs: their names. */
  movedBetween: { from: string; to: string } | null;
  /** Field changes; for a whole added or removed entity one row with the whole value. */
  fields: FieldView[];
}

export interface DialogGroupView {
  id: string;
  title: string;
  /** The dialog's own change, if it has one. */
  own: ChangeView | null;
  /** Its interactions' changes by kind. */
  counts: Counts;
  total: number;
  /** Shown interaction changes (this page of them), or null: counts only, open to see them. */
  interactions: ChangeView[] | null;
  /** Drilled into: shown open, with paging over its interaction changes. */
  open: boolean;
  page: number;
  pages: number;
}

export interface Listed {
  items: ChangeView[];
  /** Changes of this kind left out of the page. */
  more: number;
}

export interface DiffPageView {
  summary: DiffSummary;
  /** Number of changes in the whole diff. */
  total: number;
  settings: ChangeView[];
  dialogs: DialogGroupView[];
  dialogCount: number;
  page: number;
  pages: number;
  integrations: Listed;
  sections: Listed;
  /** The order in which existing interactions are exported changed. */
  orderChanged: boolean;
}

export interface DiffPageParams {
  /** The page of dialog groups, from 1. */
  page: number;
  /** The dialog drilled into, if any. */
  dialog: string | undefined;
  /** The page of its interaction changes, from 1. */
  dialogPage: number;
}

const pageNumber = (v: string | null) => {
  const n = v !== null && /^\d{1,6}$/.test(v.trim()) ? Number(v.trim()) : 1;
  return Math.max(1, n);
};

/** The diff's paging and drill-down query parameters (`dpage`, `dialog`, `ipage`). */
export function diffPageParams(q: URLSearchParams): DiffPageParams {
  const dialog = q.get('dialog')?.trim();
  return {
    page: pageNumber(q.get('dpage')),
    dialog: dialog ? dialog : undefined,
    dialogPage: pageNumber(q.get('ipage')),
  };
}

/** `url` with the diff's paging parameters replaced (undefined: removed), at the diff's top. */
export function diffHref(url: URL, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams(url.searchParams);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  return `${url.pathname}${s === '' ? '' : `?${s}`}#diff`;
}

const whole = (c: Change) => c.op === 'added' || c.op === 'removed';

/** The CB type of a changed interaction or dialog (after the change, else before). */
function typeOf(c: Change): string | null {
  const entity = c.after ?? c.before;
  if (!isJsonObject(entity)) return null;
  if (c.kind === 'interaction') return interactionType(entity);
  if (c.kind === 'dialog')
    return typeof entity.dialogType === 'string' && entity.dialogType.trim() !== ''
      ? entity.dialogType
      : 'DIALOG';
  return null;
}

function changeView(c: Change, dialogTitle: (id: string) => string): ChangeView {
  const fields = whole(c)
    ? [{ path: '', before: c.before, after: c.after }]
    : c.fields.map((f) => ({ path: f.path, before: f.before, after: f.after }));
  return {
    kind: c.kind,
    op: c.op,
    title: c.name ?? c.section ?? '(unnamed)',
    movedBetween:
      c.op === 'moved' && c.fromDialogId !== undefined && c.dialogId !== undefined
        ? {
            from: c.fromDialogName ?? dialogTitle(c.fromDialogId),
            to: c.dialogName ?? dialogTitle(c.dialogId),
          }
        : null,
    type: typeOf(c),
    fields: fields.map((f) => ({
      path: f.path,
      label: fieldLabel(c, f.path, c.after ?? c.before),
      before: showValue(f.before, f.path),
      after: showValue(f.after, f.path),
      diff: whole(c) ? null : valueDiff(f.before, f.after),
    })),
  };
}

const clampPage = (page: number, pages: number) => Math.min(Math.max(1, page), pages);
const pagesOf = (n: number, per: number) => Math.max(1, Math.ceil(n / per));

function listed(changes: Change[], title: (id: string) => string): Listed {
  return {
    items: changes.slice(0, CHANGES_PER_PAGE).map((c) => changeView(c, title)),
    more: Math.max(0, changes.length - CHANGES_PER_PAGE),
  };
}

/**
 * One page of a diff for the web UI: dialog groups `GROUPS_PER_PAGE` at a time, each with counts;
 * a dialog's interaction changes only when it is drilled into (a page of them) or when it changed
 * by only a few (`SHOWN_UNOPENED`) and is not wholly added or removed. Its size follows the page,
 * not the diff.
 */
export function diffPageView(
  summary: DiffSummary,
  changes: readonly Change[],
  params: DiffPageParams,
  dialogNames: Readonly<Record<string, string>> = {},
): DiffPageView {
  const grouped = groupChanges(changes, dialogNames);
  const titles = new Map(grouped.dialogs.map((d) => [d.id, d.title]));
  const title = (id: string) =>
    titles.get(id) ??
    (Object.hasOwn(dialogNames, id) ? dialogNames[id] : undefined) ??
    UNNAMED_DIALOG;
  // A dialog drilled into is shown on the page it is on.
  const drilled =
    params.dialog === undefined ? -1 : grouped.dialogs.findIndex((d) => d.id === params.dialog);
  const pages = pagesOf(grouped.dialogs.length, GROUPS_PER_PAGE);
  const page =
    drilled >= 0 ? Math.floor(drilled / GROUPS_PER_PAGE) + 1 : clampPage(params.page, pages);
  const dialogs = grouped.dialogs
    .slice((page - 1) * GROUPS_PER_PAGE, page * GROUPS_PER_PAGE)
    .map((g): DialogGroupView => {
      const counts: Counts = { added: 0, removed: 0, changed: 0, moved: 0 };
      for (const c of g.interactions) counts[c.op]++;
      const open = g.id === params.dialog;
      const total = g.interactions.length;
      const groupPages = pagesOf(total, CHANGES_PER_PAGE);
      const groupPage = open ? clampPage(params.dialogPage, groupPages) : 1;
      const small = total <= SHOWN_UNOPENED && !(g.change !== undefined && whole(g.change));
      const interactions =
        open || small
          ? g.interactions
              .slice((groupPage - 1) * CHANGES_PER_PAGE, groupPage * CHANGES_PER_PAGE)
              .map((c) => changeView(c, title))
          : null;
      return {
        id: g.id,
        title: g.title,
        own: g.change ? changeView(g.change, title) : null,
        counts,
        total,
        interactions,
        open,
        page: groupPage,
        pages: groupPages,
      };
    });
  return {
    summary,
    total: changes.length,
    settings: grouped.settings.map((c) => changeView(c, title)),
    dialogs,
    dialogCount: grouped.dialogs.length,
    page,
    pages,
    integrations: listed(grouped.integrations, title),
    sections: listed(grouped.sections, title),
    orderChanged: grouped.order.length > 0,
  };
}

/** "3 added, 1 changed" for a dialog's interaction changes. */
export function countsText(counts: Counts): string {
  const parts = (['added', 'removed', 'changed', 'moved'] as const)
    .filter((op) => counts[op] > 0)
    .map((op) => `${counts[op]} ${op}`);
  return parts.join(', ');
}
