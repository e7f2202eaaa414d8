// The command tree itself, in process: every command has help with an example, and the options
// the issue names parse as they should.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import { parseAssignment } from './commands/env.js';
import { summaryOf, wantsJson, type Runtime } from './lib/command.js';
import { readEnv } from './lib/env.js';
import { buildProgramFor, commandWord } from './lazy-program.js';
import { buildProgram } from './program.js';

function runtime() {
  const out = { text: '', write: (t: string) => (out.text += t) };
  const rt: Runtime = {
    env: readEnv({}),
    io: { stdout: out, stderr: out, stdin: process.stdin },
    version: '9.9.9',
  };
  return { rt, out };
}

function leaves(cmd: CommandUnknownOpts, path: string[] = []): string[][] {
  return cmd.commands.length === 0
    ? [path]
    : cmd.commands.flatMap((c) => leaves(c, [...path, c.name()]));
}

describe('the command tree', () => {
  const { rt } = runtime();
  const all = leaves(buildProgram(rt));

  it('has the commands of the issue', () => {
    const names = all.map((p) => p.join(' '));
    for (const name of [
      'serve',
      'login',
      'whoami',
      'automation list',
      'automation create',
      'automation show',
      'automation rename',
      'automation delete',
      'automation import',
      'automation export',
      'version list',
      'version save',
      'version show',
      'version delete',
      'version restore',
      'diff',
      'release create',
      'release list',
      'release show',
      'release check',
      'release upgrade',
      'release reject',
      'release rollback',
      'release promote',
      'release approve',
      'release comment',
      'release notes',
      'release cancel-schedule',
      'test set',
      'test show',
      'test run',
      'chat',
      'env list',
      'env create',
      'env delete',
      'env show',
      'env set',
      'env unset',
      'env link',
      'env unlink',
      'env import',
      'env export',
      'agent list',
      'agent add',
      'agent remove',
      'user list',
      'user create',
      'user token create',
      'user token revoke',
      'audit',
      'webhook add',
      'webhook list',
      'webhook remove',
      'webhook deliveries',
      'verify',
      'gc',
      'completion',
    ])
      expect(names).toContain(name);
  });

  it.each(all.map((p) => [p.join(' ')]))('%s --help describes it with an example', async (path) => {
    const { rt: own, out } = runtime();
    const program = buildProgram(own);
    await expect(
      program.parseAsync([...path.split(' '), '--help'], { from: 'user' }),
    ).rejects.toMatchObject({ exitCode: 0 });
    expect(out.text).toMatch(/^Usage: ferry /);
    expect(out.text).toMatch(/Examples?:\n {2}\$ /);
  });

  it('parses the CLI --version and the release --version apart', async () => {
    const { rt: own, out } = runtime();
    await expect(
      buildProgram(own).parseAsync(['--version'], { from: 'user' }),
    ).rejects.toMatchObject({ exitCode: 0 });
    expect(out.text).toBe('9.9.9\n');
  });
});

describe('the tree a command line needs', () => {
  const help = (cmd: CommandUnknownOpts | undefined) => {
    let text = '';
    cmd?.configureOutput({ writeOut: (s) => (text += s) }).outputHelp();
    return text;
  };

  it('has each top-level command exactly as the whole tree has it', async () => {
    const { rt } = runtime();
    const full = buildProgram(rt);
    for (const cmd of full.commands)
      for (const word of [cmd.name(), ...cmd.aliases()]) {
        const lazy = await buildProgramFor(rt, ['--url', 'http://x', word, '--help']);
        const own = lazy.commands.find((c) => c.name() === cmd.name());
        expect(own, word).toBeDefined();
        expect(help(own)).toBe(help(cmd));
        for (const sub of cmd.commands)
          expect(help(own?.commands.find((c) => c.name() === sub.name()))).toBe(help(sub));
      }
  });

  it('builds the whole tree for no command, an unknown one, and completion', async () => {
    const { rt } = runtime();
    const all = buildProgram(rt).commands.length;
    for (const argv of [[], ['--help'], ['automaton', 'list'], ['completion', 'bash']])
      expect((await buildProgramFor(rt, argv)).commands.length).toBe(all);
  });

  it('finds the command word after the global options', () => {
    expect(commandWord(['--url', 'http://x', '--json', 'bot', 'list'])).toBe('bot');
    expect(commandWord(['--timeout', '5', '--token', 't', 'env'])).toBe('env');
    expect(commandWord(['--', 'bot'])).toBeUndefined();
    expect(commandWord(['--help'])).toBeUndefined();
  });
});

describe('helpers', () => {
  it('splits KEY=VALUE at the first =', () => {
    expect(parseAssignment('A=b=c')).toEqual({ key: 'A', value: 'b=c' });
    expect(parseAssignment('EMPTY=')).toEqual({ key: 'EMPTY', value: '' });
    expect(() => parseAssignment('=x')).toThrow(/KEY=VALUE/);
  });

  it('summarises a description by its first clause', () => {
    expect(
      summaryOf('accept a release (the pending one unless --release): the target becomes …'),
    ).toBe('accept a release');
  });

  it('sees --json before -- only', () => {
    expect(wantsJson(['automation', 'list', '--json'])).toBe(true);
    expect(wantsJson(['automation', 'show', '--', '--json'])).toBe(false);
  });
});
