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

/** One side of a comparison: an automation, and one of its versions (undefined: its working copy). */
export interface Side {
  automation: string;
  version?: number | string | undefined;
}

/**
 * The page comparing two sides, `before` → `after`, any automation or version on either: a URL to
 * share (`/automations/AFTER/against?against=BEFORE&version=…&againstVersion=…`).
 */
export function sidesHref(before: Side, after: Side): string {
  const q = new URLSearchParams({ against: before.automation });
  if (after.version !== undefined) q.set('version', String(after.version));
  if (before.version !== undefined) q.set('againstVersion', String(before.version));
  return `/automations/${encodeURIComponent(after.automation)}/against?${q.toString()}`;
}
