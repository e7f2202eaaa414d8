// `ferry chat A`: talk to an automation's working copy or one of its versions through the server's
// conversation simulator (issue 15), one line of standard input per message; `--record FILE` saves
// the conversation as a test suite (what the bot said in each turn, and the dialog it ended in),
// ready for `ferry test set` or `ferry test run --file`. The server keeps no chat state: each
// message replays the conversation from fresh state.
import { createInterface } from 'node:readline';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Outputs } from '../lib/client.js';
import { contextOf, leaf, type Runtime } from '../lib/command.js';
import { writeTextFile } from '../lib/files.js';
import { plural, quoted } from '../lib/format.js';

type Chat = Outputs['tests']['chat'];

/** Lines that end the chat (besides the end of input). */
const QUIT = new Set(['/quit', '/exit', '/q']);

export function registerChat(program: CommandUnknownOpts, rt: Runtime) {
  return leaf(
    program,
    'chat <automation>',
    'talk to an automation (or --version) in the simulator, one line per message (/quit or end of input to stop); --record saves the conversation as a test',
    [
      'ferry chat "Support (Dev)"',
      'ferry chat "Support (Dev)" --version 7 --record greets.yaml --name greets',
      'printf "hi\\n1\\n" | ferry chat "Support (Dev)" --json',
    ],
  )
    .option('--version <version>', 'talk to this version (N, #N, id or name)')
    .option('--env <name>', "use this environment's values (default: the linked one)")
    .option('--record <file>', 'save the conversation as a test suite (YAML) in FILE')
    .option('--name <name>', "the recorded test's name", 'recorded conversation')
    .action(async (automation, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const c = client();
      const messages: string[] = [];
      let last: Chat | null = null;
      const prompt = () => {
        if (!out.json && rt.io.stdin.isTTY === true) rt.io.stdout.write('you> ');
      };
      if (!out.json)
        out.message(
          `Talking to ${quoted(automation)}${opts.version !== undefined ? ` version ${opts.version}` : ''} (simulated; /quit to stop).`,
        );
      prompt();
      const lines = createInterface({ input: rt.io.stdin, terminal: false });
      for await (const raw of lines) {
        const line = raw.trim();
        if (QUIT.has(line)) break;
        if (line === '') {
          prompt();
          continue;
        }
        messages.push(line);
        last = await c.tests.chat.query({
          automation,
          messages,
          name: opts.name,
          ...(opts.version !== undefined && { version: opts.version }),
          ...(opts.env !== undefined && { env: opts.env }),
        });
        const turn = last.turns[messages.length - 1];
        if (!out.json) {
          for (const text of turn?.messages.map((m) => m.text) ?? [])
            for (const l of (text || '(nothing)').split('\n')) out.line(`bot> ${l}`);
          if (turn)
            out.line(
              out.color.dim(`     [${turn.dialog ?? 'no dialog'} / ${turn.interaction ?? '-'}]`),
            );
        }
        if (last.outcome !== 'completed') {
          out.message(
            last.outcome === 'inconclusive'
              ? `The simulator cannot tell what happens next: ${last.inconclusive?.reason ?? ''}`
              : `The bot ${last.outcome} the conversation.`,
          );
          break;
        }
        prompt();
      }
      lines.close();
      if (opts.record !== undefined) {
        if (last === null) out.message('Nothing to record: no message was sent.');
        else {
          await writeTextFile(opts.record, last.recorded);
          out.message(
            `Recorded ${plural(messages.length, 'message')} as a test in ${opts.record}.`,
          );
        }
      }
      if (out.json) out.result(last ?? { turns: [] }, () => {});
    });
}
