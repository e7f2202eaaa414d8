// `ferry login`, `ferry logout`, `ferry whoami`: the saved connection and who it signs in as.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { createClient } from '../lib/client.js';
import { contextOf, leaf, type Runtime } from '../lib/command.js';
import { configPath, normaliseUrl, readConfig, removeConfig, writeConfig } from '../lib/config.js';
import { CliError } from '../lib/errors.js';
import { quoted } from '../lib/format.js';

export function registerAuth(program: CommandUnknownOpts, rt: Runtime) {
  leaf(
    program,
    'login',
    `check a server URL and API token and save them for later commands (${configPath('$XDG_CONFIG_HOME')}, mode 0600)`,
    ['ferry login --url http://127.0.0.1:3000 --token ferry_…'],
  )
    .option('--no-check', 'save without asking the server who the token belongs to')
    .action(async (opts, command) => {
      const ctx = contextOf(rt, command);
      const { out, flags } = ctx;
      const given = { url: flags.url ?? rt.env.url, token: flags.token ?? rt.env.token };
      if (given.url === undefined || given.token === undefined)
        throw new CliError('usage', 'ferry login needs both --url and --token.');
      const url = normaliseUrl(given.url);
      const token = given.token;
      rt.server = url;
      let who: { name: string; role: string } | null = null;
      if (opts.check)
        who = await createClient(
          url,
          token,
          `ferry-cli/${rt.version}`,
          ctx.http(),
        ).auth.whoami.query();
      const path = configPath(rt.env.configHome);
      writeConfig(path, { ...readConfigQuietly(path), url, token });
      out.result({ url, user: who, config: path }, () =>
        out.line(
          `Saved ${url}${who ? ` (signed in as ${quoted(who.name)}, ${who.role})` : ''} to ${path}.`,
        ),
      );
    });

  leaf(program, 'logout', 'forget the saved server URL and token', ['ferry logout']).action(
    async (_opts, command) => {
      const { out } = contextOf(rt, command);
      const path = configPath(rt.env.configHome);
      const removed = removeConfig(path);
      out.result({ removed, config: path }, () =>
        out.line(removed ? `Removed ${path}.` : 'Nothing was saved.'),
      );
    },
  );

  leaf(program, 'whoami', 'the user and role the token signs in as, and the server', [
    'ferry whoami',
  ]).action(async (_opts, command) => {
    const { out, client, url } = contextOf(rt, command);
    const me = await client().auth.whoami.query();
    out.result({ ...me, url: url() }, () =>
      out.line(`${quoted(me.name)} (${me.role}) on ${url()}`),
    );
  });
}

function readConfigQuietly(path: string) {
  try {
    return readConfig(path);
  } catch {
    return {}; // an unreadable config is replaced by the new one
  }
}
