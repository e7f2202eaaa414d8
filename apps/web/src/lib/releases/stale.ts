// A change refused because the automation moved on since the page's revision (the API's CONFLICT
// on `ifRevision` / `baseRevision`): what changed in between, from the refusal's details (who,
// when, with what, and a summary of the content's changes), worded for the page.

export interface StaleChange {
  at: string;
  actor: string;
  action: string;
  revision: number | null;
}

export interface StaleDetails {
  /** The revision the page showed, and the automation's now (when the API said). */
  seen: number | null;
  now: number | null;
  /** The changes since, oldest first (the API lists up to 20; `total` counts them all). */
  changes: StaleChange[];
  total: number;
  /** "2 changed, 1 added." — or null when the content did not change, '' when it is as it was. */
  content: string | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** The refusal's details, or null when it carries none (an older server, another conflict). */
export function staleDetails(e: unknown): StaleDetails | null {
  const details = (e as { details?: Record<string, unknown> } | null)?.details;
  if (!details || !Array.isArray(details.changes)) return null;
  const changes = (details.changes as Partial<StaleChange>[]).filter(
    (c): c is StaleChange => typeof c.at === 'string' && typeof c.actor === 'string',
  );
  const content = details.content as { text?: unknown } | null | undefined;
  return {
    seen: num(details.expected),
    now: num(details.actual),
    changes,
    total: num(details.changesTotal) ?? changes.length,
    content: content && typeof content.text === 'string' ? content.text : null,
  };
}

/** What each action that moves an automation's revision did to it, in words. */
const DID: Record<string, string> = {
  'automation.import': 'imported a CB export into it',
  'automation.rename': 'renamed it',
  'settings.update': 'changed its bot settings',
  'dialog.add': 'added a dialog',
  'dialog.rename': 'renamed a dialog',
  'dialog.update': 'changed a dialog',
  'dialog.delete': 'deleted a dialog',
  'interaction.add': 'added an interaction',
  'interaction.update': 'edited an interaction',
  'interaction.delete': 'deleted an interaction',
  'interaction.reorder': 'moved an interaction',
  'version.restore': 'restored a version',
  'release.upgrade': 'upgraded it to a release',
  'release.rollback': 'rolled back a release',
  'agent.add': 'added an agent',
  'agent.remove': 'removed an agent',
  'environment.link': 'linked an environment',
  'environment.unlink': 'unlinked its environment',
};

/** "alice edited an interaction" (an action without words of its own is named by its code). */
export const changeText = (c: StaleChange): string =>
  `${c.actor} ${DID[c.action] ?? `did ${c.action}`}`;
