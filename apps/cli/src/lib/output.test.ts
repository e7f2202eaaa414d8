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
    new Output(false, stdout, sink(false), false).table(
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
    new Output(false, tty, sink(true), false).table(rows, columns, '');
    expect(tty.text).toContain(ESC);
    const noColor = sink(true);
    new Output(false, noColor, sink(true), true).table(rows, columns, '');
    expect(noColor.text).not.toContain(ESC);
    const pipe = sink(false);
    new Output(false, pipe, sink(false), false).table(rows, columns, '');
    expect(pipe.text).not.toContain(ESC);
  });

  it('writes one JSON value on stdout under --json, messages and errors on stderr', () => {
    const stdout = sink(false);
    const stderr = sink(false);
    const out = new Output(true, stdout, stderr, false);
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
    const p = new Output(false, sink(false), stderr, false).progress('Working');
    p.stop();
    expect(stderr.text).toBe('');
    const tty = sink(true);
    const q = new Output(false, sink(false), tty, true).progress('Working');
    q.stop();
    expect(tty.text).toContain('Working');
  });
});
