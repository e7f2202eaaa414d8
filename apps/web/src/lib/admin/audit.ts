// The audit log page's pure parts: the list filters read from the URL (so a filtered view is a
// shareable link), the link to the next page, and an entry's details as one line of plain text.

/** The filters auditlog.list takes, as the page's GET form names them, and the page size. */
export const AUDIT_FILTERS = ['automation', 'actor', 'action', 'since', 'until', 'limit'] as const;
export type AuditFilter = (typeof AUDIT_FILTERS)[number];
export type AuditFilters = Partial<Record<AuditFilter, string>>;

/** The filters a URL asks for: blank fields are left out (they mean "any"). */
export function auditFilters(params: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const name of AUDIT_FILTERS) {
    const value = params.get(name)?.trim();
    if (value) filters[name] = value;
  }
  return filters;
}

/** The cursor of the page a URL asks for, when it looks like one (the API checks it again). */
export function auditCursor(params: URLSearchParams): string | undefined {
  const cursor = params.get('cursor')?.trim();
  return cursor ? cursor : undefined;
}

/** The URL of another page of the same filtered list (no cursor: the newest entries). */
export function auditPageHref(filters: AuditFilters, cursor?: string | null): string {
  const params = new URLSearchParams();
  for (const name of AUDIT_FILTERS) {
    const value = filters[name];
    if (value) params.set(name, value);
  }
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `/audit?${query}` : '/audit';
}

const MAX_SUMMARY = 300;

/** What an entry is about comes first; the other details follow in the order they were stored. */
const SUBJECTS = ['environment', 'automation', 'agent', 'user', 'name', 'from', 'to'];
const rank = (key: string) => {
  const i = SUBJECTS.indexOf(key);
  return i < 0 ? SUBJECTS.length : i;
};

function valueText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map(valueText).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * An entry's details (any JSON) as one line: `key: value · key: value`, its subject first, lists
 * joined by commas (empty ones left out), nested objects as JSON, cut at 300 characters. The page renders it as text, never as HTML.
 */
export function summariseDetails(details: unknown): string {
  if (details === null || details === undefined) return '';
  const text =
    typeof details === 'object' && !Array.isArray(details)
      ? Object.entries(details as Record<string, unknown>)
          // An empty list says nothing (`removed: []` of a change that removed nothing).
          .filter(([, value]) => !(Array.isArray(value) && value.length === 0))
          .sort(([a], [b]) => rank(a) - rank(b))
          .map(([key, value]) => `${key}: ${valueText(value)}`)
          .join(' · ')
      : valueText(details);
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}
