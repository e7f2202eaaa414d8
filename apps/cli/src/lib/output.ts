// Where the CLI writes: results on stdout (one JSON value under --json), messages and progress on
// stderr. Tables are aligned; colour on a terminal unless NO_COLOR, or anywhere under FORCE_COLOR.
import pc from 'picocolors';
import type { ColorMode } from './env.js';
import type { Failure } from './errors.js';
import { must } from '@ferry/core/must';

type Colors = ReturnType<typeof pc.createColors>;

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  /** Colour the (padded) cell; the width is measured without it. */
  style?: (text: string, row: T) => string;
  align?: 'left' | 'right';
}

export interface Progress {
  /** Replace the label (e.g. a step or a count). */
  update(label: string): void;
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Output {
  /** Colours for what goes to stdout and to stderr (`auto`: each on when that stream is a terminal). */
  readonly color: Colors;
  readonly errColor: Colors;

  constructor(
    readonly json: boolean,
    private readonly stdout: Stream,
    private readonly stderr: Stream,
    color: ColorMode,
  ) {
    const on = (stream: Stream) =>
      color === 'always' || (color === 'auto' && stream.isTTY === true);
    this.color = pc.createColors(on(stdout));
    this.errColor = pc.createColors(on(stderr));
  }

  /** The command's result: JSON under --json, else what `human` prints. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.stdout.write(JSON.stringify(value, null, 2) + '\n');
    else human();
  }

  /** A line of the human-readable result (stdout). */
  line(text = ''): void {
    this.stdout.write(text + '\n');
  }

  /** A message about what happened (stderr; never mixed into results). */
  message(text: string): void {
    this.stderr.write(text + '\n');
  }

  warn(text: string): void {
    this.stderr.write(`${this.errColor.yellow('warning:')} ${text}\n`);
  }

  failure(failure: Failure): void {
    if (this.json) {
      const { kind: _kind, ...error } = failure;
      this.stderr.write(JSON.stringify({ error }) + '\n');
    } else this.stderr.write(`${this.errColor.red('error:')} ${failure.message}\n`);
  }

  /** An aligned table on stdout; `empty` goes to stderr when there are no rows. */
  table<T>(rows: readonly T[], columns: Column<T>[], empty: string): void {
    if (rows.length === 0) {
      this.message(empty);
      return;
    }
    this.stdout.write(formatTable(rows, columns, this.color) + '\n');
  }

  /** A spinner with a label and the elapsed time, on stderr, only when stderr is a terminal. */
  progress(label: string): Progress {
    if (this.stderr.isTTY !== true) return { update: () => {}, stop: () => {} };
    const started = Date.now();
    let frame = 0;
    let text = label;
    const draw = () => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      this.stderr.write(
        `\r\x1b[2K${this.errColor.cyan(must(FRAMES[frame++ % FRAMES.length], 'FRAMES[frame++ % FRAMES.length]'))} ${text} ${this.errColor.dim(`${seconds}s`)}`,
      );
    };
    draw();
    const timer = setInterval(draw, 80);
    timer.unref();
    return {
      update: (next) => {
        text = next;
      },
      stop: () => {
        clearInterval(timer);
        this.stderr.write('\r\x1b[2K');
      },
    };
  }
}

export function formatTable<T>(rows: readonly T[], columns: Column<T>[], color: Colors): string {
  const cells = rows.map((row) => columns.map((c) => text(c.value(row))));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => must(r[i], 'r[i]').length)),
  );
  const pad = (s: string, i: number) => {
    if (i === columns.length - 1 && must(columns[i], 'columns[i]').align !== 'right') return s;
    return must(columns[i], 'columns[i]').align === 'right'
      ? s.padStart(must(widths[i], 'widths[i]'))
      : s.padEnd(must(widths[i], 'widths[i]'));
  };
  const header = columns.map((c, i) => color.bold(pad(c.header, i))).join('  ');
  const body = cells.map((r, ri) =>
    r
      .map((s, i) => {
        const style = must(columns[i], 'columns[i]').style;
        return style ? style(pad(s, i), must(rows[ri], 'rows[ri]')) : pad(s, i);
      })
      .join('  '),
  );
  return [header, ...body].map((l) => l.trimEnd()).join('\n');
}

function text(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(/\s+/g, ' ');
}
