// The command tree a command line needs: when its first word names a command, only that command's
// module is loaded and registered (each is its own chunk of dist). Anything else — no command,
// `--help` alone, a misspelt command (for the suggestion), `completion` (which walks the whole tree)
// — builds the whole tree (program.ts).
import type { Command, CommandUnknownOpts } from '@commander-js/extra-typings';
import { noun, type Runtime } from './lib/command.js';
import { TOKEN_NOUN, createRoot } from './root.js';

type Register = (program: CommandUnknownOpts, rt: Runtime) => unknown;

/** Each top-level command's module, by its name and aliases. */
const MODULES: Record<string, () => Promise<Register>> = {
  serve: async () => (await import('./commands/serve.js')).registerServe,
  login: async () => (await import('./commands/auth.js')).registerAuth,
  logout: async () => (await import('./commands/auth.js')).registerAuth,
  whoami: async () => (await import('./commands/auth.js')).registerAuth,
  automation: async () => (await import('./commands/automation.js')).registerAutomation,
  bot: async () => (await import('./commands/automation.js')).registerAutomation,
  version: async () => (await import('./commands/version.js')).registerVersion,
  diff: async () => (await import('./commands/diff.js')).registerDiff,
  release: async () => (await import('./commands/release.js')).registerRelease,
  test: async () => (await import('./commands/test.js')).registerTest,
  chat: async () => (await import('./commands/chat.js')).registerChat,
  env: async () => (await import('./commands/env.js')).registerEnv,
  agent: async () => (await import('./commands/agent.js')).registerAgent,
  user: async () => (await import('./commands/user.js')).registerUser,
  token: async () => {
    const { registerTokens } = await import('./commands/user.js');
    return (program, rt) => registerTokens(noun(program, ...TOKEN_NOUN), rt);
  },
  audit: async () => (await import('./commands/audit.js')).registerAudit,
  admin: async () => (await import('./commands/admin.js')).registerAdmin,
  policy: async () => (await import('./commands/admin.js')).registerAdmin,
  backup: async () => (await import('./commands/backup.js')).registerBackup,
  webhook: async () => (await import('./commands/webhook.js')).registerWebhook,
};

/** Global options that take a value (`--url X`): the word after them is no command. */
const VALUED = new Set(['--url', '--token', '--timeout']);

/** The first word of `argv` that is not a global option or its value. */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') return undefined;
    if (!word.startsWith('-')) return word;
    if (VALUED.has(word)) i++;
  }
  return undefined;
}

export async function buildProgramFor(rt: Runtime, argv: readonly string[]): Promise<Command> {
  const word = commandWord(argv);
  const load = word === undefined ? undefined : MODULES[word];
  if (load) {
    const program = createRoot(rt);
    (await load())(program, rt);
    if (program.commands.some((c) => c.name() === word || c.aliases().includes(word ?? '')))
      return program;
  }
  return (await import('./program.js')).buildProgram(rt);
}
