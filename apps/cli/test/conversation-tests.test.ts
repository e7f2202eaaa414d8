// The built `ferry` binary on conversation tests (issue 15): `test set/show/run` on every project
// CB export with its suite, exit codes (0 pass, 6 failing or inconclusive, 2 invalid file with the
// path of the mistake), JUnit XML, and the release gate (`release show`, `release upgrade` exit 6
// TESTS_FAILED, forced by an admin; `release check` includes the tests).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, suiteFor } from '@ferry/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, startTestServer, tempDir, type TestServer } from './support.js';

describe('ferry test', () => {
  let server: TestServer;
  let dir: string;
  let acceptor: string;

  beforeAll(async () => {
    server = await startTestServer();
    dir = tempDir('tests');
    acceptor = (
      await server.json<{ token: string }>(['user', 'create', 'ann', '--role', 'release-acceptor'])
    ).token;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('stores and runs the suite of every project export (exit 0, or 6 when inconclusive)', async () => {
    for (const name of FIXTURES) {
      const bot = `Suite ${name}`;
      await server.json(['automation', 'import', fixturePath(name), '--name', bot]);
      const set = await server.run(['test', 'set', bot, suiteFor(name).file]);
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout).toMatch(/^Stored \d+ tests? for /);
      const run = await server.run(['test', 'run', bot]);
      const inconclusive = name === 'card-services.json';
      expect(run.code, `${name}: ${run.stderr}`).toBe(inconclusive ? 6 : 0);
      expect(run.stdout).toContain(inconclusive ? 'inconclusive' : 'passed');
      expect(run.stdout).toMatch(/Coverage: \d+% of dialogs/);
      if (inconclusive) expect(run.stderr).toContain('did not pass');
    }
    const shown = await server.run(['test', 'show', 'Suite hello-minimal.json']);
    expect(shown.stdout.trim()).toBe(suiteFor('hello-minimal.json').text.trim());
  });

  it('fails with exit 6, a transcript, --json and JUnit XML; exit 2 names the mistake', async () => {
    await server.json(['automation', 'import', fixturePath('hello-minimal.json'), '--name', 'Hi']);
    const failing = file(
      'failing.yaml',
      'tests:\n  - name: wants a goodbye\n    steps:\n      - user: hi\n        expect:\n          - contains: Goodbye\n  - name: greets\n    steps:\n      - user: hi\n        expect:\n          - contains: hello\n',
    );
    const junit = join(dir, 'report.xml');
    const run = await server.run(['test', 'run', 'Hi', '--file', failing, '--junit', junit]);
    expect(run.code).toBe(6);
    expect(run.stdout).toContain('wants a goodbye (failed)');
    expect(run.stdout).toContain('> hi');
    expect(run.stdout).toContain('Hello! This bot only says hello.');
    expect(run.stdout).toContain('not reached: Fallback');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuite name="Hi" tests="2" failures="1" errors="0">');
    expect(xml).toContain('<testcase classname="Hi" name="greets"></testcase>');
    expect(xml).toMatch(/<failure message="step 1: expected the bot to say &quot;Goodbye&quot;/);

    const json = await server.run(['test', 'run', 'Hi', '--file', failing, '--json']);
    expect(json.code).toBe(6);
    const result = JSON.parse(json.stdout) as { counts: { failed: number; passed: number } };
    expect(result.counts).toMatchObject({ failed: 1, passed: 1 });
    expect(JSON.parse(json.stderr)).toMatchObject({
      error: { code: 'PRECONDITION_FAILED', exitCode: 6, details: { reason: 'TESTS_FAILED' } },
    });

    const bad = file(
      'bad.json',
      JSON.stringify({ tests: [{ name: 'x', steps: [{ user: 'hi', expect: [{ said: 'x' }] }] }] }),
    );
    for (const args of [
      ['test', 'set', 'Hi', bad],
      ['test', 'run', 'Hi', '--file', bad],
    ]) {
      const refused = await server.run([...args, '--json']);
      expect(refused.code).toBe(2);
      const { error } = JSON.parse(refused.stderr) as { error: { message: string; path: string } };
      expect(error.path).toBe('tests[0].steps[0].expect[0]');
      expect(error.message).toContain(`${bad}: tests[0].steps[0].expect[0]:`);
    }
    expect((await server.run(['test', 'show', 'Hi'])).code).toBe(3);
  });

  it('chat talks to a version over stdin and --record writes a test that passes', async () => {
    await server.json(['automation', 'import', fixturePath('loose-ends.json'), '--name', 'Loose']);
    await server.json(['version', 'save', 'Loose', '--name', 'first']);
    const recorded = join(dir, 'recorded.yaml');
    const chat = await server.run(
      ['chat', 'Loose', '--version', '1', '--record', recorded, '--name', 'menu'],
      { input: 'hi\n/quit\nnever sent\n' },
    );
    expect(chat.code, chat.stderr).toBe(0);
    expect(chat.stdout).toContain('bot> What would you like to do?');
    expect(chat.stdout).toContain('[1 Menu /');
    expect(chat.stderr).toContain(`Recorded 1 message as a test in ${recorded}.`);
    const text = readFileSync(recorded, 'utf8');
    expect(text).toContain('name: menu');
    expect(text).not.toContain('never sent');
    const rerun = await server.run(['test', 'run', 'Loose', '--file', recorded]);
    expect(rerun.code, rerun.stdout).toBe(0);
    const json = await server.run(['chat', 'Loose', '--json'], { input: 'hi\n' });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { turns: { dialog: string }[] }).turns[0]?.dialog).toBe(
      '1 Menu',
    );
  });

  it('release show runs the frozen suite; upgrade exits 6 TESTS_FAILED unless an admin forces', async () => {
    await server.json(['automation', 'import', fixturePath('hello-minimal.json'), '--name', 'P']);
    await server.json(['automation', 'import', fixturePath('hello-minimal.json'), '--name', 'D']);
    const suite = file(
      'gate.yaml',
      'tests:\n  - name: greets warmly\n    steps:\n      - user: hi\n        expect:\n          - contains: Welcome aboard\n',
    );
    expect((await server.run(['test', 'set', 'D', suite])).code).toBe(0);
    await server.json(['release', 'create', 'D', '--to', 'P', '--version', '1.0.0']);
    const shown = await server.run(['release', 'show', '--target', 'P'], { token: acceptor });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("Conversation tests (the release's frozen suite");
    expect(shown.stdout).toContain('greets warmly (failed)');
    expect(shown.stdout).toContain('Conversation tests do not pass: "greets warmly" (failed).');
    const check = await server.run(['release', 'check', 'P'], { token: acceptor });
    expect(check.code).toBe(6);
    expect(check.stdout).toContain("Conversation tests (the release's frozen suite):");
    expect(check.stdout).toContain('greets warmly (failed)');
    const checked = await server.run(['release', 'check', 'P', '--json'], { token: acceptor });
    expect(
      (JSON.parse(checked.stdout) as { tests: { blocking: unknown[] } }).tests.blocking,
    ).toEqual([{ name: 'greets warmly', status: 'failed' }]);
    const blocked = await server.run(['release', 'upgrade', 'P', '--json'], { token: acceptor });
    expect(blocked.code).toBe(6);
    expect(JSON.parse(blocked.stderr)).toMatchObject({
      error: {
        code: 'PRECONDITION_FAILED',
        path: 'tests',
        details: { reason: 'TESTS_FAILED', failing: [{ name: 'greets warmly', status: 'failed' }] },
      },
    });
    const acceptorForce = await server.run(['release', 'upgrade', 'P', '--force'], {
      token: acceptor,
    });
    expect(acceptorForce.code).toBe(6);
    expect(acceptorForce.stderr).toContain('may not force past failing tests');
    const forced = await server.run(['release', 'upgrade', 'P', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('Upgraded by force past conversation tests');
  });
});
