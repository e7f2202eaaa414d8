// How a diff reads in a terminal: the summary sentence, one aligned line per changed entity (the
// interactions of a wholly added or removed dialog folded into its line as a count), then what
// changed inside each changed entity's fields: a word diff of a one-line text
// (`[-old-]{+new+}`, as `git diff --word-diff=plain`), a line diff of a multi-line text or code
// (`-`/`+` lines), else `before → after`. Fields are named as people say them ("Message text",
// "Quick reply 2 title": core's `fieldLabel`, as in the web UI) and epoch numbers read as dates;
// `--json` keeps the JSON pointers. The diff itself is core's `valueDiff`.
// Core's light entries, not its index: a command loads only what it uses (CLI start-up).
import type { Change, DiffSummary, JsonValue } from '@ferry/core';
import { epochDate, fieldLabel } from '@ferry/core/labels';
import { plural } from '@ferry/core/rules';
import { valueDiff, type TextDiff } from '@ferry/core/text-diff';
import type { Output } from './output.js';

const MAX_FIELDS = 4;
/** Changed entities whose field changes are printed in full; the rest are counted. */
export const MAX_DETAILED = 50;
/** Unchanged lines kept around a change in a line diff. */
const CONTEXT_LINES = 2;
/** A value shown whole (no diff) is cut to this many characters. */
const MAX_VALUE = 300;

interface Row {
  change: Change;
  /** Interactions of this wholly added or removed dialog, folded into its row. */
  folded: number;
}

export function printChanges(out: Output, summary: DiffSummary, changes: readonly Change[]): void {
  out.line(summary.text || 'No changes.');
  if (changes.length === 0) return;
  const opColor = (op: Change['op']) =>
    op === 'added'
      ? out.color.green
      : op === 'removed'
        ? out.color.red
        : op === 'changed'
          ? out.color.yellow
          : out.color.cyan;
  // A new or deleted dialog is one line with its interactions counted, not one line each.
  const wholeDialogs = new Map<string, Row>();
  const rows: Row[] = [];
  for (const c of changes)
    if (c.kind === 'dialog' && (c.op === 'added' || c.op === 'removed') && c.id !== null) {
      const row = { change: c, folded: 0 };
      wholeDialogs.set(`${c.op}:${c.id}`, row);
    }
  for (const c of changes) {
    const folding =
      c.kind === 'interaction' && c.dialogId !== undefined
        ? wholeDialogs.get(`${c.op}:${c.dialogId}`)
        : undefined;
    if (folding) folding.folded++;
    else if (c.kind !== 'order')
      rows.push(
        (c.kind === 'dialog' && c.id !== null && wholeDialogs.get(`${c.op}:${c.id}`)) || {
          change: c,
          folded: 0,
        },
      );
  }
  out.line();
  out.table(
    rows,
    [
      { header: 'CHANGE', value: (r) => r.change.op, style: (s, r) => opColor(r.change.op)(s) },
      { header: 'KIND', value: (r) => r.change.kind },
      { header: 'NAME', value: (r) => r.change.name ?? r.change.section ?? r.change.id },
      {
        header: 'DIALOG',
        value: (r) => (r.change.kind === 'interaction' ? (r.change.dialogName ?? '-') : ''),
      },
      { header: 'ID', value: (r) => r.change.id, style: (s) => out.color.dim(s) },
      {
        header: 'FIELDS',
        value: (r) => {
          if (r.folded > 0)
            return `${r.change.op === 'added' ? '+' : '-'}${plural(r.folded, 'interaction')}`;
          const labels = [...new Set(r.change.fields.map((f) => label(r.change, f.path)))];
          return labels.length > MAX_FIELDS
            ? `${labels.slice(0, MAX_FIELDS).join(', ')} (+${labels.length - MAX_FIELDS})`
            : labels.join(', ');
        },
      },
    ],
    '',
  );
  if (changes.some((c) => c.kind === 'order'))
    out.line('The export order of existing interactions changed.');
  printFieldChanges(out, changes);
}

/** The field changes of changed and moved entities, each field as a word, line or value diff. */
function printFieldChanges(out: Output, changes: readonly Change[]): void {
  const detailed = changes.filter(
    (c) => (c.op === 'changed' || c.op === 'moved') && c.fields.length > 0,
  );
  if (detailed.length === 0) return;
  out.line();
  out.line(out.color.bold('Field changes'));
  for (const c of detailed.slice(0, MAX_DETAILED)) {
    const where = c.kind === 'interaction' && c.dialogName ? ` in dialog "${c.dialogName}"` : '';
    out.line();
    out.line(`${c.op} ${c.kind} "${c.name ?? c.section ?? c.id ?? ''}"${where}:`);
    for (const f of c.fields) {
      const diff = valueDiff(f.before, f.after);
      const name = label(c, f.path);
      if (diff === null)
        out.line(
          `  ${name}: ${out.color.red(shown(f.path, f.before))} → ${out.color.green(shown(f.path, f.after))}`,
        );
      else if (diff.mode === 'words') out.line(`  ${name}: ${wordDiff(out, diff)}`);
      else {
        out.line(`  ${name}:`);
        for (const line of lineDiff(out, diff)) out.line(`    ${line}`);
      }
    }
  }
  if (detailed.length > MAX_DETAILED)
    out.line(
      `\n… and ${plural(detailed.length - MAX_DETAILED, 'more changed entity', 'more changed entities')} (--json shows every field).`,
    );
}

/** A field as people name it (the entity after the change, else before, tells buttons apart). */
const label = (c: Change, path: string) => fieldLabel(c, path, c.after ?? c.before);

function shown(path: string, v: JsonValue | undefined): string {
  if (v === undefined) return '(absent)';
  const date = epochDate(path, v);
  if (date !== null) return date;
  const text = JSON.stringify(v);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

/** One line: removed words as `[-…-]`, added as `{+…+}`, coloured on a terminal. */
export function wordDiff(out: Output, diff: TextDiff): string {
  return diff.segments
    .map((s) =>
      s.op === 'added'
        ? out.color.green(`{+${s.text}+}`)
        : s.op === 'removed'
          ? out.color.red(`[-${s.text}-]`)
          : s.text,
    )
    .join('')
    .replace(/\r?\n/g, '⏎');
}

/** `-`/`+`/` ` lines, with unchanged runs beyond CONTEXT_LINES around a change folded. */
export function lineDiff(out: Output, diff: TextDiff): string[] {
  const lines: { op: 'equal' | 'added' | 'removed'; text: string }[] = [];
  for (const s of diff.segments) {
    const parts = s.text.split('\n');
    if (parts[parts.length - 1] === '') parts.pop();
    for (const text of parts) lines.push({ op: s.op, text });
  }
  const near = lines.map((l, i) =>
    lines
      .slice(Math.max(0, i - CONTEXT_LINES), i + CONTEXT_LINES + 1)
      .some((m) => m.op !== 'equal'),
  );
  const outLines: string[] = [];
  let skipped = 0;
  lines.forEach((l, i) => {
    if (l.op === 'equal' && !near[i]) {
      skipped++;
      return;
    }
    if (skipped > 0) outLines.push(out.color.dim(`… ${plural(skipped, 'unchanged line')}`));
    skipped = 0;
    outLines.push(
      l.op === 'added'
        ? out.color.green(`+ ${l.text}`)
        : l.op === 'removed'
          ? out.color.red(`- ${l.text}`)
          : `  ${l.text}`,
    );
  });
  if (skipped > 0) outLines.push(out.color.dim(`… ${plural(skipped, 'unchanged line')}`));
  return outLines;
}
