// Small formatters shared by the commands' human-readable output.

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A timestamp (ISO string) as local "YYYY-MM-DD HH:MM". */
export function when(value: string | Date | null | undefined): string {
  if (value === null || value === undefined) return '-';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

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
