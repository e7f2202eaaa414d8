// How a diff reads in a terminal: the summary sentence, then one aligned line per changed entity.
import type { Change, DiffSummary } from '@ferry/core';
import type { Output } from './output.js';

const MAX_FIELDS = 4;

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
  out.line();
  out.table(
    changes,
    [
      { header: 'CHANGE', value: (c) => c.op, style: (s, c) => opColor(c.op)(s) },
      { header: 'KIND', value: (c) => c.kind },
      { header: 'NAME', value: (c) => c.name ?? c.section ?? c.id },
      { header: 'ID', value: (c) => c.id, style: (s) => out.color.dim(s) },
      {
        header: 'FIELDS',
        value: (c) => {
          const paths = c.fields.map((f) => f.path || '/');
          return paths.length > MAX_FIELDS
            ? `${paths.slice(0, MAX_FIELDS).join(' ')} (+${paths.length - MAX_FIELDS})`
            : paths.join(' ');
        },
      },
    ],
    '',
  );
}
