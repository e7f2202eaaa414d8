// The automation page's dialog list as its URL states it: `q` (what to search for), `in` (where:
// everywhere, dialog names, interaction names or texts), `p` (the page, from 1) and `dialog` (the
// opened dialog's id). Links keep the list's state while opening a dialog, and the other way round.

/** Dialogs per page of the list. */
export const DIALOG_PAGE = 50;

export const SEARCH_IN = [
  { value: 'all', label: 'Everywhere' },
  { value: 'dialog', label: 'Dialog names' },
  { value: 'interaction', label: 'Interaction names' },
  { value: 'text', label: 'Texts and buttons' },
] as const;
export type SearchIn = (typeof SEARCH_IN)[number]['value'];

/** The longest search the API takes. */
const SEARCH_MAX = 200;

export interface ListQuery {
  search: string;
  in: SearchIn;
  page: number;
}

export function listQuery(url: URL): ListQuery {
  const where = url.searchParams.get('in');
  const page = Number(url.searchParams.get('p') ?? '1');
  return {
    search: (url.searchParams.get('q') ?? '').trim().slice(0, SEARCH_MAX),
    in: SEARCH_IN.find((s) => s.value === where)?.value ?? 'all',
    page: Number.isInteger(page) && page >= 1 ? page : 1,
  };
}

/** The page's URL (`base` is its path) for a list state and an opened dialog. */
export function listHref(base: string, query: ListQuery, dialog?: string | null): string {
  const params = new URLSearchParams();
  if (query.search) params.set('q', query.search);
  if (query.search && query.in !== 'all') params.set('in', query.in);
  if (query.page > 1) params.set('p', String(query.page));
  if (dialog) params.set('dialog', dialog);
  const search = params.toString();
  return search ? `${base}?${search}` : base;
}
