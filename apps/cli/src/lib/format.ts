// Small formatters shared by the commands' human-readable output.
import { formatUtc, plural } from '@ferry/core/rules';

/** "1 dialog", "2 dialogs", "1,204 interactions": core's one rule for counts, as the web says them. */
export { plural };

/** A timestamp as every Ferry surface shows it (`2026-05-01 12:34:56 UTC`); `-` when there is none. */
export const when = (value: string | Date | null | undefined): string =>
  value === null || value === undefined ? '-' : formatUtc(value);

export const quoted = (name: string) => `"${name}"`;

export const shortHash = (hash: string | null | undefined) => (hash ? hash.slice(0, 12) : '-');

export function contentCounts(c: {
  dialogs: number;
  interactions: number;
  integrations?: number;
}): string {
  const parts = [plural(c.dialogs, 'dialog'), plural(c.interactions, 'interaction')];
  if (c.integrations !== undefined) parts.push(plural(c.integrations, 'integration'));
  return parts.join(', ');
}

/** Aligned "key  value" lines. */
export function fields(pairs: [string, string | number | null | undefined][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs
    .map(([k, v]) => `${k.padEnd(width)}  ${v === null || v === undefined || v === '' ? '-' : v}`)
    .join('\n');
}
