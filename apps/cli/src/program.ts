// The whole `ferry` command tree: the root (root.ts) with every noun's commands. `ferry --help`,
// completion and the tests use it; a command line that names one noun builds less (lazy-program.ts).
import type { Command } from '@commander-js/extra-typings';
import { registerAdmin } from './commands/admin.js';
import { registerAgent } from './commands/agent.js';
import { registerAudit } from './commands/audit.js';
import { registerAuth } from './commands/auth.js';
import { registerAutomation } from './commands/automation.js';
import { registerChat } from './commands/chat.js';
import { registerBackup } from './commands/backup.js';
import { registerCompletion } from './commands/completion.js';
import { registerDiff } from './commands/diff.js';
import { registerEnv } from './commands/env.js';
import { registerRelease } from './commands/release.js';
import { registerServe } from './commands/serve.js';
import { registerTest } from './commands/test.js';
import { registerTokens, registerUser } from './commands/user.js';
import { registerVersion } from './commands/version.js';
import { registerWebhook } from './commands/webhook.js';
import { noun, type Runtime } from './lib/command.js';
import { TOKEN_NOUN, createRoot } from './root.js';

export function buildProgram(rt: Runtime): Command {
  const program = createRoot(rt);

  registerServe(program, rt);
  registerAuth(program, rt);
  registerAutomation(program, rt);
  registerVersion(program, rt);
  registerDiff(program, rt);
  registerRelease(program, rt);
  registerTest(program, rt);
  registerChat(program, rt);
  registerEnv(program, rt);
  registerAgent(program, rt);
  registerUser(program, rt);
  registerTokens(noun(program, ...TOKEN_NOUN), rt);
  registerAudit(program, rt);
  registerAdmin(program, rt);
  registerBackup(program, rt);
  registerWebhook(program, rt);
  registerCompletion(program, rt);
  return program;
}
