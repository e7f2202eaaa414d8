// The audit log page's pure parts: the list filters read from the URL (so a filtered view is a
// shareable link), the link to the next page, and an entry's details as parts of one line, each
// version, release, automation, dialog and interaction by its name with a link to it (the API's
// `refs` say what the ids name now), never a raw id.
import { keyWords } from '@ferry/core/labels';

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

/** Longest text of one part of an entry's details. */
const MAX_PART = 200;

/** What the ids of a page of entries name now (auditlog.list's `refs`). */
export interface AuditRefs {
  versions: Record<string, { automationId: string; number: number; name: string }>;
  releases: Record<string, { version: string; targetId: string; targetName: string | null }>;
  automations: Record<string, string>;
}

/** One part of an entry's details: `label: text`, the text a link when `href` is given. */
export interface DetailPart {
  label: string;
  text: string;
  href?: string;
}

/** The audit entry fields `auditDetails` reads. */
export interface AuditEntryView {
  automationId: string | null;
  /** The automation's current name (null once deleted). */
  automationName: string | null;
  versionId: string | null;
  releaseId: string | null;
  details: unknown;
}

/** Detail keys holding a version's id, and how the part is labelled. */
const VERSION_KEYS: Record<string, string> = {
  backupVersionId: 'backup',
  resultVersionId: 'result',
  savedEditsVersionId: 'edits saved as',
};
/** Detail keys holding a release's id. */
const RELEASE_KEYS: Record<string, string> = {
  supersededReleaseId: 'superseded',
  promotedFromId: 'promoted from',
  closedReleaseId: 'closed',
};
/** Ids the other details already name in words (the token's name, the webhook's address…). */
const HIDDEN = new Set(['tokenId', 'webhookId', 'scheduleId', 'commentId']);
/** Keys shown inside another part (a dialog's name with its id, a backup's number with its id). */
const MERGED: Record<string, string> = {
  dialogName: 'dialogId',
  interactionName: 'interactionId',
  backupNumber: 'backupVersionId',
};

const cut = (text: string) => (text.length > MAX_PART ? `${text.slice(0, MAX_PART - 1)}…` : text);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function partText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map(partText).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * An entry's details as parts of one line (`label: text`), its subject first: a release as its
 * number linking to its page, a version as `#3 “Before restore”` linking to its comparison with
 * the working copy, the source automation, the dialog and interaction an edit touched by name
 * (linking to the dialog), a content hash shortened; an id whose thing was deleted since says
 * "(deleted)"; ids the other details already name are left out. Bot content stays text: the page
 * interpolates every part escaped.
 */
export function auditDetails(entry: AuditEntryView, refs: AuditRefs): DetailPart[] {
  const parts: DetailPart[] = [];
  const release = (id: string, label: string) => {
    const r = Object.hasOwn(refs.releases, id) ? refs.releases[id] : undefined;
    parts.push(
      r
        ? { label, text: `release ${r.version}`, href: `/releases/${encodeURIComponent(id)}` }
        : { label, text: '(deleted)' },
    );
  };
  const version = (id: string, label: string, number?: unknown) => {
    const v = Object.hasOwn(refs.versions, id) ? refs.versions[id] : undefined;
    parts.push(
      v
        ? {
            label,
            text: cut(`#${v.number} “${v.name}”`),
            href: `/automations/${encodeURIComponent(v.automationId)}/diff?from=${v.number}`,
          }
        : { label, text: typeof number === 'number' ? `#${number} (deleted)` : '(deleted)' },
    );
  };
  if (entry.releaseId) release(entry.releaseId, 'release');
  if (entry.versionId) version(entry.versionId, 'version');
  const details = entry.details;
  if (details === null || details === undefined) return parts;
  if (typeof details !== 'object' || Array.isArray(details)) {
    parts.push({ label: 'details', text: cut(partText(details)) });
    return parts;
  }
  const d = details as Record<string, unknown>;
  const dialogHref =
    entry.automationId !== null && entry.automationName !== null && str(d.dialogId)
      ? `/automations/${encodeURIComponent(entry.automationId)}?dialog=${encodeURIComponent(String(d.dialogId))}`
      : undefined;
  const entries = Object.entries(d)
    // An empty list says nothing (`removed: []` of a change that removed nothing).
    .filter(([, value]) => !(Array.isArray(value) && value.length === 0))
    .filter(([key]) => !HIDDEN.has(key) && !(MERGED[key] !== undefined && MERGED[key] in d))
    .sort(([a], [b]) => rank(a) - rank(b));
  for (const [key, value] of entries) {
    const id = str(value);
    if (id !== undefined && VERSION_KEYS[key] !== undefined)
      version(id, VERSION_KEYS[key], key === 'backupVersionId' ? d.backupNumber : undefined);
    else if (id !== undefined && RELEASE_KEYS[key] !== undefined) release(id, RELEASE_KEYS[key]);
    else if (id !== undefined && key === 'sourceId') {
      const name = Object.hasOwn(refs.automations, id) ? refs.automations[id] : undefined;
      parts.push(
        name !== undefined
          ? { label: 'source', text: cut(name), href: `/automations/${encodeURIComponent(id)}` }
          : { label: 'source', text: '(deleted)' },
      );
    } else if (key === 'dialogId')
      parts.push({
        label: 'dialog',
        text: cut(str(d.dialogName) ?? (dialogHref ? 'open it' : 'a dialog')),
        ...(dialogHref && { href: dialogHref }),
      });
    else if (key === 'interactionId')
      parts.push({
        label: 'interaction',
        text: cut(str(d.interactionName) ?? 'unnamed'),
        ...(dialogHref && { href: dialogHref }),
      });
    else if (key === 'contentHash' && id !== undefined)
      parts.push({ label: 'content', text: id.slice(0, 12) });
    else parts.push({ label: keyWords(key).toLowerCase(), text: cut(partText(value)) });
  }
  return parts;
}

/** What an entry is about comes first; the other details follow in the order they were stored. */
const SUBJECTS = [
  'environment',
  'automation',
  'agent',
  'user',
  'name',
  'version',
  'dialogId',
  'interactionId',
  'from',
  'to',
];
const rank = (key: string) => {
  const i = SUBJECTS.indexOf(key);
  return i < 0 ? SUBJECTS.length : i;
};
