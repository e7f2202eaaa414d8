// How release checks read in a terminal: one line per finding, then where it is (dialog,
// interaction and field), a few places each; `--json` carries every place.
import type { CheckReport } from '@ferry/core';
import { plural } from './format.js';
import type { Output } from './output.js';

/** Places shown per finding in text (the rest are counted). */
const PLACES = 5;

export function printChecks(out: Output, checks: CheckReport): void {
  const { errors, warnings } = checks;
  out.line(
    `Release checks: ${plural(errors.length, 'error')}, ${plural(warnings.length, 'warning')}.`,
  );
  for (const f of [...errors, ...warnings]) {
    out.line(
      `  ${f.severity === 'error' ? out.color.red('error  ') : out.color.yellow('warning')}  ${f.message}`,
    );
    for (const place of f.where.slice(0, PLACES)) out.line(`             at ${place}`);
    if (f.where.length > PLACES)
      out.line(
        out.color.dim(`             … and ${plural(f.where.length - PLACES, 'more place')}`),
      );
  }
}
