import { describe, expect, it } from 'vitest';
import { Output, type Stream } from './output.js';

/** The start of an ANSI colour or cursor sequence. */
const ESC = '\u001b[';

function sink(isTTY: boolean): Stream & { text: string } {
  const s = { text: '', isTTY, write: (t: string) => (s.text += t) };
  return s;
}

const rows = [
  { name: 'Support (Dev)', revision: 12, env: null },
  { name: 'Prod', revision: 3, env: 'Production' },
];

describe('output', () => {
  it('aligns tables, right-aligning numbers where asked, and shows "-" for nothing', () => {
    const stdout = sink(false);
    new Output(false, stdout, sink(false), 'auto').table(
      rows,
      [
        { header: 'NAME', value: (r) => r.name },
        { header: 'REV', value: (r) => r.revision, align: 'right' },
        { header: 'ENV', value: (r) => r.env },
      ],
      'none',
    );
    expect(stdout.text).toBe(
      [
        'NAME           REV  ENV',
        'Support (Dev)   12  -',
        'Prod             3  Production',
        '',
      ].join('\n'),
    );
  });

  it('colours only a terminal, and never under NO_COLOR', () => {
    const columns = [{ header: 'NAME', value: (r: (typeof rows)[number]) => r.name }];
    const tty = sink(true);
    new Output(false, tty, sink(true), 'auto').table(rows, columns, '');
    expect(tty.text).toContain(ESC);
    const noColor = sink(true);
    new Output(false, noColor, sink(true), 'never').table(rows, columns, '');
    expect(noColor.text).not.toContain(ESC);
    const pipe = sink(false);
    new Output(false, pipe, sink(false), 'auto').table(rows, columns, '');
    expect(pipe.text).not.toContain(ESC);
  });

  it('colours a pipe too under FORCE_COLOR, errors included', () => {
    const columns = [{ header: 'NAME', value: (r: (typeof rows)[number]) => r.name }];
    const pipe = sink(false);
    const errors = sink(false);
    const out = new Output(false, pipe, errors, 'always');
    out.table(rows, columns, '');
    out.failure({ kind: 'not-found', exitCode: 3, code: 'NOT_FOUND', message: 'Gone.' });
    expect(pipe.text).toContain(ESC);
    expect(errors.text).toContain(`${ESC}31merror:`);
  });

  it('writes one JSON value on stdout under --json, messages and errors on stderr', () => {
    const stdout = sink(false);
    const stderr = sink(false);
    const out = new Output(true, stdout, stderr, 'auto');
    out.result({ id: 'a' }, () => out.line('human'));
    out.message('note');
    out.failure({ kind: 'not-found', exitCode: 3, code: 'NOT_FOUND', message: 'Gone.' });
    expect(JSON.parse(stdout.text)).toEqual({ id: 'a' });
    expect(stderr.text.split('\n')[1]).toBe(
      '{"error":{"exitCode":3,"code":"NOT_FOUND","message":"Gone."}}',
    );
  });

  it('shows progress only on a terminal', () => {
    const stderr = sink(false);
    const p = new Output(false, sink(false), stderr, 'auto').progress('Working');
    p.stop();
    expect(stderr.text).toBe('');
    const tty = sink(true);
    const q = new Output(false, sink(false), tty, 'never').progress('Working');
    q.stop();
    expect(tty.text).toContain('Working');
  });
});
