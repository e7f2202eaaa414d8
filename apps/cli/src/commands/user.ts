// `ferry user …` and `ferry user token …` (also `ferry token …`): users, roles and API tokens
// (admins only). A new token is printed once.
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { contextOf, leaf, noun, type Runtime } from '../lib/command.js';
import { CliError } from '../lib/errors.js';
import { quoted, when } from '../lib/format.js';

const ROLES = ['viewer', 'editor', 'release-creator', 'release-acceptor', 'admin'] as const;

async function readPassword(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  // The first line: `echo "$PASSWORD" | ferry user create …` adds a newline.
  const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (password === '')
    throw new CliError('usage', '--password-stdin read no password from standard input.');
  return password;
}

export function registerUser(program: CommandUnknownOpts, rt: Runtime) {
  const cmd = noun(
    program,
    'user',
    'users, roles and API tokens',
    `users and their API tokens (admins only); roles: ${ROLES.join(', ')}`,
    'ferry user create ci-bot --role release-acceptor',
  );

  leaf(cmd, 'list', 'list users with their role and active tokens', ['ferry user list']).action(
    async (_opts, command) => {
      const { out, client } = contextOf(rt, command);
      const users = await client().users.list.query();
      out.result(users, () =>
        out.table(
          users,
          [
            { header: 'NAME', value: (u) => u.name, style: (s) => out.color.bold(s) },
            { header: 'ROLE', value: (u) => u.role },
            { header: 'TOKENS', value: (u) => u.tokens, align: 'right' },
            { header: 'PASSWORD', value: (u) => (u.hasPassword ? 'yes' : 'no') },
            { header: 'DISABLED', value: (u) => (u.disabled ? 'yes' : '') },
            { header: 'CREATED', value: (u) => when(u.createdAt) },
            { header: 'ID', value: (u) => u.id, style: (s) => out.color.dim(s) },
          ],
          'No users.',
        ),
      );
    },
  );

  leaf(cmd, 'create <name>', 'create a user with a first API token, printed once (stdout)', [
    'ferry user create ci-bot --role release-acceptor',
    'printf "%s" "$PASSWORD" | ferry user create alice --role editor --password-stdin',
  ])
    .addOption(new Option('--role <role>', 'the role').choices(ROLES).makeOptionMandatory())
    .option('--password-stdin', 'read a password (for the web UI) from standard input')
    .action(async (name, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const password = opts.passwordStdin ? await readPassword(rt.io.stdin) : undefined;
      const user = await client().users.create.mutate({
        name,
        role: opts.role,
        ...(password !== undefined && { password }),
      });
      out.result(user, () => {
        out.message(
          `Created the user ${quoted(user.name)} (${user.role}). Its API token, shown once:`,
        );
        out.line(user.token);
      });
    });

  leaf(cmd, 'set-role <user> <role>', "change a user's role", [
    'ferry user set-role alice release-creator',
  ]).action(async (user, role, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    if (!(ROLES as readonly string[]).includes(role))
      throw new CliError('usage', `"${role}" is not a role: use one of ${ROLES.join(', ')}.`, {
        path: 'role',
      });
    const done = await client().users.setRole.mutate({
      user,
      role: role as (typeof ROLES)[number],
    });
    out.result(done, () => out.line(`${quoted(done.name)} is now ${done.role}.`));
  });

  for (const disabled of [true, false])
    leaf(
      cmd,
      `${disabled ? 'disable' : 'enable'} <user>`,
      disabled
        ? 'disable a user: its tokens and sessions stop working'
        : 're-enable a disabled user',
      [`ferry user ${disabled ? 'disable' : 'enable'} alice`],
    ).action(async (user, _opts, command) => {
      const { out, client } = contextOf(rt, command);
      const done = await client().users.disable.mutate({ user, disabled });
      out.result(done, () =>
        out.line(`${quoted(done.name)} is ${disabled ? 'disabled' : 'enabled'}.`),
      );
    });

  registerTokens(
    noun(
      cmd,
      'token',
      'create, list and revoke API tokens',
      'API tokens: create (printed once), list, revoke',
      'ferry user token create --user ci-bot',
    ),
    rt,
  );
  return cmd;
}

/** `token create | list | revoke`, under `ferry user token` and `ferry token`. */
export function registerTokens(cmd: CommandUnknownOpts, rt: Runtime) {
  const prefix = cmd.parent?.name() === 'user' ? 'ferry user token' : 'ferry token';
  leaf(cmd, 'create', 'a new API token for a user (default: you), printed once (stdout)', [
    `${prefix} create --user ci-bot --name pipeline`,
  ])
    .option('--user <user>', 'the user (id or name; default: you)')
    .option('--name <name>', 'a label for the token', 'api')
    .action(async (opts, command) => {
      const { out, client } = contextOf(rt, command);
      const token = await client().users.createToken.mutate({
        ...(opts.user !== undefined && { user: opts.user }),
        name: opts.name,
      });
      out.result(token, () => {
        out.message(
          `Created the token ${quoted(token.name)} (${token.id}) for ${quoted(token.user.name)}, shown once:`,
        );
        out.line(token.token);
      });
    });

  leaf(
    cmd,
    'list',
    'list API tokens (never their secrets) of a user (default: you) or of everyone',
    [`${prefix} list --all`],
  )
    .option('--user <user>', 'the user (id or name; default: you)')
    .option('--all', "every user's tokens")
    .action(async (opts, command) => {
      const { out, client } = contextOf(rt, command);
      const tokens = await client().users.listTokens.query({
        ...(opts.user !== undefined && { user: opts.user }),
        allUsers: opts.all === true,
      });
      out.result(tokens, () =>
        out.table(
          tokens,
          [
            { header: 'ID', value: (t) => t.id, style: (s) => out.color.dim(s) },
            { header: 'NAME', value: (t) => t.name, style: (s) => out.color.bold(s) },
            { header: 'USER', value: (t) => t.user.name },
            { header: 'CREATED', value: (t) => when(t.createdAt) },
            { header: 'LAST USED', value: (t) => when(t.lastUsedAt) },
            {
              header: 'STATE',
              value: (t) => (t.active ? 'active' : `revoked ${when(t.revokedAt)}`),
            },
          ],
          'No tokens.',
        ),
      );
    });

  leaf(cmd, 'revoke <id>', 'revoke an API token: it stops working at once', [
    `${prefix} revoke 0193a8e2-…`,
  ]).action(async (id, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const done = await client().users.revokeToken.mutate({ id });
    out.result(done, () =>
      out.line(
        done.changed
          ? `Revoked the token ${quoted(done.name)} of ${quoted(done.user.name)}.`
          : `The token ${quoted(done.name)} was already revoked.`,
      ),
    );
  });
  return cmd;
}
