// `ferry completion fish`: a `complete` line for every command and option of the tree, valid fish
// that completes like the bash and zsh scripts (checked by fish itself where it is installed).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../lib/env.js';
import { buildProgram } from '../program.js';
import { fishScript } from './completion.js';

const program = buildProgram({
  env: readEnv({}),
  io: { stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin },
  version: '9.9.9',
});
const script = fishScript(program);

function commands(cmd: CommandUnknownOpts, path = ''): { path: string; cmd: CommandUnknownOpts }[] {
  return [
    { path: path || '/', cmd },
    ...cmd.commands.flatMap((c) => commands(c, `${path}/${c.name()}`)),
  ];
}
const all = commands(program);

describe('the fish completion script', () => {
  it('offers every command under its parent', () => {
    expect(all.length).toBeGreaterThan(60);
    for (const { path, cmd } of all)
      for (const sub of cmd.commands)
        expect(script).toContain(`complete -c ferry -n '__ferry_at ${path}' -f -a '${sub.name()}'`);
  });

  it('offers every visible option of every command, marking those that take a value', () => {
    for (const { path, cmd } of all) {
      const lines = script.split('\n').filter((l) => l.includes(`'__ferry_at ${path}'`));
      for (const option of cmd.options.filter((o) => !o.hidden)) {
        const line = lines.find((l) => l.includes(` -l ${option.long?.slice(2)} `)) ?? '';
        expect(line, `${path} ${option.long}`).not.toBe('');
        expect(line.includes(' -r ') || line.includes(' -x ')).toBe(
          option.required || option.optional,
        );
      }
      expect(lines.some((l) => l.includes('-s h -l help'))).toBe(true);
    }
  });

  it('quotes descriptions for fish', () => {
    // "an automation's agents": a quote inside a single-quoted fish string is escaped.
    expect(script).toContain("-d 'list, add and remove an automation\\'s agents'");
  });

  const fish = spawnSync('fish', ['--version']).status === 0;
  describe.skipIf(!fish)('run by fish', () => {
    let dir = '';
    let file = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ferry-fish-'));
      file = join(dir, 'ferry.fish');
      writeFileSync(file, script);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const complete = (line: string) =>
      execFileSync('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`])
        .toString()
        .split('\n')
        .map((l) => l.split('\t')[0]);

    it('parses (fish -n)', () => {
      expect(spawnSync('fish', ['-n', file]).status).toBe(0);
    });

    it('completes commands, subcommands (aliases too), options and argument choices', () => {
      expect(complete('ferry ')).toEqual(
        expect.arrayContaining(['automation', 'release', 'serve']),
      );
      expect(complete('ferry automation ')).toEqual(expect.arrayContaining(['import', 'list']));
      expect(complete('ferry bot ')).toEqual(expect.arrayContaining(['import', 'list']));
      expect(complete('ferry release create Dev --v')).toContain('--version');
      expect(complete('ferry --url http://x automation list --t')).toEqual(
        expect.arrayContaining(['--timeout', '--token']),
      );
      expect(complete('ferry completion ')).toEqual(
        expect.arrayContaining(['bash', 'fish', 'zsh']),
      );
    });
  });
});
