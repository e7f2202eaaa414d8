// Rules every surface applies alike (API inputs, web forms, CSV import, CLI output, release
// checks), kept once: what a variable name may be, how an instant is shown and how a count reads.

/** DESIGN.md rule 8: a variable name (CB: letters, digits and `_`, not starting with a digit). */
export const VARIABLE_NAME_PATTERN = '[A-Za-z_][A-Za-z0-9_]*';
export const VARIABLE_NAME = new RegExp(`^${VARIABLE_NAME_PATTERN}$`);
export const VARIABLE_NAME_MAX = 200;

/** Why `key` is not a valid variable name, or null when it is. */
export function variableNameProblem(key: string): string | null {
  if (key.length > VARIABLE_NAME_MAX)
    return `"${key.slice(0, 40)}…" is longer than ${VARIABLE_NAME_MAX} characters`;
  if (!VARIABLE_NAME.test(key))
    return `"${key}" is not a valid variable name (letters, digits and _, not starting with a digit)`;
  return null;
}

/**
 * An instant as every surface shows it: `2026-05-01 12:34:56 UTC` — UTC, to the second, so that a
 * server's render and a browser's are identical and the CLI agrees with the web. Text that is not
 * a date is shown as it is.
 */
export function formatUtc(at: Date | string): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) return String(at);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * One formatter for counts that are not whole numbers (toLocaleString builds one per call: slow for
 * thousands of nodes), made on first use: the first Intl formatter a process makes costs it tens of
 * milliseconds (ICU's data), which every CLI command would pay at start-up.
 */
let fractionFormat: Intl.NumberFormat | undefined;

/** `n` as en-US writes it: "1,204"; whole numbers without Intl (see fractionFormat). */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0))
    return (fractionFormat ??= new Intl.NumberFormat('en-US')).format(n);
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 ? `-${digits}` : digits;
}

/**
 * A count and its noun in the number it takes: `plural(1, 'dialog')` is "1 dialog",
 * `plural(2, 'dialog')` "2 dialogs", `plural(1204, 'entry', 'entries')` "1,204 entries". Every
 * surface says counts this way, never "dialog(s)".
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${pluralWord(n, one, many)}`;
}

/** The noun alone in the number `n` takes: `pluralWord(2, 'was', 'were')` is "were". */
export function pluralWord(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}
