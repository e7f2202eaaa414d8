// The `from`/`to`/`version` query parameters of the Compare and Flow pages.

/** A version number from a query parameter; blank or absent = the working copy (undefined). */
export function versionParam(value: string | null): number | string | undefined {
  const v = value?.trim() ?? '';
  if (v === '') return undefined;
  return /^\d+$/.test(v) ? Number(v) : v;
}

/** The query string of a comparison, e.g. "?from=2&to=3" (absent sides are left out). */
export function compareQuery(from: number | string | undefined, to: number | string | undefined) {
  const q = new URLSearchParams();
  if (from !== undefined) q.set('from', String(from));
  if (to !== undefined) q.set('to', String(to));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}
