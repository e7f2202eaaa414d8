// Where the flow page's view is, as its URL says: what is shown (`version`, or `from`/`to`), the
// dialog drilled into (`dialog`), the node the view is moved to (`node`; `change=first|last` for
// a dialog's first or last marked node), a search (`q`) and the page of the text list (`list`).
// Loads read only what they need (SvelteKit reruns a load when a parameter it read changes), so
// moving the view (`node`) asks the server for nothing. Also the steps of "next/previous change".
import { FLOW_DIALOG_PREFIX } from '@ferry/core';

/** The parameters that say what is shown, as they are in `url` (absent ones left out). */
export function shownParams(url: URL): URLSearchParams {
  const shown = new URLSearchParams();
  for (const key of ['version', 'from', 'to']) {
    const value = url.searchParams.get(key);
    if (value !== null) shown.set(key, value);
  }
  return shown;
}

export interface ViewPlace {
  /** A dialog's id (not its node id): the dialog drilled into. */
  dialog?: string;
  node?: string;
  change?: 'first' | 'last';
  q?: string;
  list?: number;
}

/** The query string (with "?") of `shown` moved to `place`. */
export function viewQuery(shown: URLSearchParams, place: ViewPlace = {}): string {
  const q = new URLSearchParams(shown);
  if (place.dialog !== undefined) q.set('dialog', place.dialog);
  if (place.node !== undefined) q.set('node', place.node);
  if (place.change !== undefined) q.set('change', place.change);
  if (place.q !== undefined) q.set('q', place.q);
  if (place.list !== undefined && place.list > 1) q.set('list', String(place.list));
  const s = q.toString();
  return s === '' ? '?' : `?${s}`;
}

/** A dialog node's dialog id. */
export const dialogIdOf = (node: string) =>
  node.startsWith(FLOW_DIALOG_PREFIX) ? node.slice(FLOW_DIALOG_PREFIX.length) : node;

export interface ChangeSteps {
  /** Where the view is among the changes, in words. */
  position: string;
  previous: ViewPlace;
  next: ViewPlace;
}

/**
 * The previous and next change from where the view is. On the overview, the marked dialogs in
 * order (`changed`, node ids); inside a dialog (`dialog`, its node id), its marked nodes
 * (`marked`), then on to the first (or back to the last) marked node of the next (previous)
 * marked dialog. Both wrap around. Null when nothing is marked.
 */
export function changeSteps(at: {
  changed: readonly string[];
  dialog: string | null;
  marked: readonly string[];
  focus: string | null;
}): ChangeSteps | null {
  const { changed, dialog, marked, focus } = at;
  const n = changed.length;
  if (dialog === null) {
    if (n === 0) return null;
    const i = focus === null ? -1 : changed.indexOf(focus);
    const node = (k: number) => ({ node: changed[(k + n) % n] as string });
    return {
      position:
        i === -1
          ? `${n} ${n === 1 ? 'dialog has' : 'dialogs have'} changes.`
          : `Dialog ${i + 1} of ${n} with changes.`,
      previous: node(i === -1 ? n - 1 : i - 1),
      next: node(i + 1),
    };
  }
  const m = marked.length;
  if (n === 0 && m === 0) return null;
  const k = focus === null ? -1 : marked.indexOf(focus);
  const j = changed.indexOf(dialog);
  const here = (index: number): ViewPlace => ({
    dialog: dialogIdOf(dialog),
    node: marked[index] as string,
  });
  const other = (step: 1 | -1): ViewPlace => {
    // The next (previous) marked dialog; from an unmarked dialog, the first (last) one.
    const target = j === -1 ? (step === 1 ? 0 : n - 1) : (j + step + n) % n;
    const d = changed[target];
    if (d === undefined || d === dialog) return m > 0 ? here(step === 1 ? 0 : m - 1) : {};
    return { dialog: dialogIdOf(d), change: step === 1 ? 'first' : 'last' };
  };
  const inDialog =
    m === 0
      ? 'Nothing in this dialog changed.'
      : k === -1
        ? `${m} ${m === 1 ? 'change' : 'changes'} in this dialog.`
        : `Change ${k + 1} of ${m} in this dialog.`;
  const among = j === -1 ? '' : ` Dialog ${j + 1} of ${n} with changes.`;
  return {
    position: inDialog + among,
    previous: k > 0 ? here(k - 1) : k === -1 && m > 0 ? here(m - 1) : other(-1),
    next: k !== -1 && k + 1 < m ? here(k + 1) : k === -1 && m > 0 ? here(0) : other(1),
  };
}
