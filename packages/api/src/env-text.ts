// Environment variables as text: the CSV Ferry exports and imports (`key,value,secret`) and CB's
// Bulk Add format (`key=value` lines). Parsing is all-or-nothing: a CSV's first bad line, or every
// bad Bulk Add line, is reported by number and nothing is returned.
import { plural, variableNameProblem } from '@ferry/core';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { fail } from './errors.js';

/** What every listing, diff, CSV and export shows instead of a secret value (DESIGN.md rule 13). */
export const SECRET_MASK = '••••••';

export const ENV_VALUE_MAX = 100_000;

/** One variable read from a text import, with the line it starts on. */
export interface TextVariable {
  line: number;
  key: string;
  value: string;
  /** Absent when the text does not say (Bulk Add lines, or a CSV without a `secret` column). */
  secret?: boolean;
}

function lineFail(field: string, line: number, reason: string): never {
  return fail('VALIDATION', `Line ${line}: ${reason}; nothing was imported.`, field, {
    line,
  });
}

function checkRow(field: string, row: TextVariable, seen: Map<string, number>): TextVariable {
  const problem = variableNameProblem(row.key);
  if (problem) lineFail(field, row.line, problem);
  if (row.value.length > ENV_VALUE_MAX)
    lineFail(field, row.line, `the value of ${row.key} is longer than ${ENV_VALUE_MAX} characters`);
  const first = seen.get(row.key);
  if (first !== undefined)
    lineFail(field, row.line, `${row.key} is already defined on line ${first}`);
  seen.set(row.key, row.line);
  return row;
}

const TRUE = new Set(['true', 'yes', 'y', '1', 'secret']);
const FALSE = new Set(['false', 'no', 'n', '0', '']);

/**
 * A CSV with the header `key,value` and optionally `secret` (any order, any case). Values are
 * taken verbatim (quoted per RFC 4180); keys are trimmed; empty lines are skipped.
 */
export function parseEnvCsv(text: string, field = 'csv'): TextVariable[] {
  // csv-parse counts the line a record ends on, and counts a CRLF inside a quoted field as two
  // lines. Correct for both: a record starts earlier by the line breaks inside its fields.
  const count = (fields: string[], re: RegExp) =>
    fields.reduce((n, f) => n + (f.match(re)?.length ?? 0), 0);
  let overcount = 0;
  const records: { record: string[]; line: number }[] = [];
  try {
    parse(text, {
      bom: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: (record: string[], context: { lines: number }) => {
        overcount += count(record, /\r\n/g);
        records.push({ record, line: context.lines - overcount - count(record, /\r\n|\r|\n/g) });
        return null;
      },
    });
  } catch (e) {
    const err = e as { message?: string; lines?: number };
    return lineFail(
      field,
      (err.lines ?? 1) - overcount,
      // csv-parse may quote the field it stopped in: it can hold a secret, so cut that off.
      (err.message ?? 'unreadable CSV')
        .replace(/(,? value is [\s\S]*| on line \d+| at line \d+)/g, '')
        .replace(/got "[\s\S]*?" instead/, 'found a character instead'),
    );
  }
  const [header, ...rows] = records;
  if (!header)
    return lineFail(field, 1, 'the CSV is empty; expected the header key,value[,secret]');
  const names = header.record.map((h) => h.trim().toLowerCase());
  const col = (name: string) => names.indexOf(name);
  const unknown = names.find((n) => !['key', 'value', 'secret'].includes(n));
  if (
    col('key') < 0 ||
    col('value') < 0 ||
    unknown !== undefined ||
    new Set(names).size !== names.length
  )
    lineFail(
      field,
      header.line,
      `expected the header key,value[,secret], found "${header.record.join(',')}"`,
    );
  const seen = new Map<string, number>();
  return rows.map((r) => {
    const { line } = r;
    const get = (name: string) => (col(name) < 0 ? undefined : r.record[col(name)]);
    const flag = get('secret')?.trim().toLowerCase();
    let secret: boolean | undefined;
    if (flag !== undefined) {
      if (TRUE.has(flag)) secret = true;
      else if (FALSE.has(flag)) secret = false;
      else lineFail(field, line, `the secret column says "${flag}"; use true or false`);
    }
    return checkRow(
      field,
      {
        line,
        key: (get('key') ?? '').trim(),
        value: get('value') ?? '',
        ...(secret !== undefined && { secret }),
      },
      seen,
    );
  });
}

/** Bad lines a Bulk Add refusal names, at most (it counts the rest). */
export const BAD_LINES_NAMED = 20;

/** Why one Bulk Add row cannot be stored, or null. */
function rowProblem(row: TextVariable, seen: Map<string, number>): string | null {
  const problem = variableNameProblem(row.key);
  if (problem) return problem;
  if (row.value.length > ENV_VALUE_MAX)
    return `the value of ${row.key} is longer than ${ENV_VALUE_MAX} characters`;
  const first = seen.get(row.key);
  if (first !== undefined) return `${row.key} is already defined on line ${first}`;
  seen.set(row.key, row.line);
  return null;
}

/**
 * CB's Bulk Add text: one `key=value` per line, split at the first `=`, both sides trimmed.
 * Empty lines and lines starting with `#` are skipped. All or nothing: every bad line is named
 * (`Line 2: …; line 5: …; nothing was imported.`, the first `BAD_LINES_NAMED` of them), with
 * their numbers in the error's details (`line`: the first, `lines`: all).
 */
export function parseEnvLines(text: string, field = 'lines'): TextVariable[] {
  const seen = new Map<string, number>();
  const out: TextVariable[] = [];
  const bad: { line: number; reason: string }[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .forEach((raw, i) => {
      const line = i + 1;
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      const at = trimmed.indexOf('=');
      if (at < 0) {
        bad.push({ line, reason: `expected key=value, found "${trimmed.slice(0, 60)}"` });
        return;
      }
      const row = { line, key: trimmed.slice(0, at).trim(), value: trimmed.slice(at + 1).trim() };
      const problem = rowProblem(row, seen);
      if (problem === null) out.push(row);
      else bad.push({ line, reason: problem });
    });
  const [first] = bad;
  if (first === undefined) return out;
  const named = bad.slice(0, BAD_LINES_NAMED).map((b) => `line ${b.line}: ${b.reason}`);
  const more = bad.length - named.length;
  const list = `${named.join('; ')}${more > 0 ? `; and ${plural(more, 'more bad line')}` : ''}`;
  return fail(
    'VALIDATION',
    `${list.charAt(0).toUpperCase()}${list.slice(1)}; nothing was imported.`,
    field,
    { line: first.line, lines: bad.map((b) => b.line) },
  );
}

/** The CSV Ferry exports: header `key,value,secret`, one row per variable, `\n` line ends. */
export const formatEnvCsv = (
  rows: readonly { key: string; value: string; secret: boolean }[],
): string =>
  stringify([['key', 'value', 'secret'], ...rows.map((r) => [r.key, r.value, String(r.secret)])], {
    record_delimiter: '\n',
  });
