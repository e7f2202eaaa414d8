// `ferry agent …`: an automation's agents (bot users). An agent belongs to exactly one automation
// and never travels with a release.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { contextOf, ifRevisionOption, leaf, noun, type Runtime } from '../lib/command.js';
import { quoted, when } from '../lib/format.js';

export function registerAgent(program: CommandUnknownOpts, rt: Runtime) {
  const cmd = noun(
    program,
    'agent',
    "list, add and remove an automation's agents",
    'agents (bot users): deployment bindings of one automation, never carried by a release',
    'ferry agent add "Support (Prod)" support-bot-prod',
  );

  leaf(cmd, 'list <automation>', "an automation's agents", [
    'ferry agent list "Support (Prod)"',
  ]).action(async (automation, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const { agents } = await client().agents.list.query({ automation });
    out.result(agents, () =>
      out.table(
        agents,
        [
          { header: 'NAME', value: (a) => a.name, style: (s) => out.color.bold(s) },
          { header: 'ADDED', value: (a) => when(a.createdAt) },
          { header: 'ID', value: (a) => a.id, style: (s) => out.color.dim(s) },
        ],
        `${quoted(automation)} has no agents.`,
      ),
    );
  });

  leaf(cmd, 'add <automation> <agent>', 'add an agent to an automation', [
    'ferry agent add "Support (Prod)" support-bot-prod',
    'ferry agent add "Support (Prod)" support-bot-prod --if-revision 12',
  ])
    .addOption(ifRevisionOption('the automation'))
    .action(async (automation, agent, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const done = await client().agents.add.mutate({
        automation,
        name: agent,
        ...(opts.ifRevision !== undefined && { ifRevision: opts.ifRevision }),
      });
      out.result(done, () =>
        out.line(
          `Added the agent ${quoted(done.agent.name)} to ${quoted(done.automation.name)} (now at revision ${done.automation.revision}).`,
        ),
      );
    });

  leaf(cmd, 'remove <automation> <agent>', 'remove an agent (by name or id) from an automation', [
    'ferry agent remove "Support (Prod)" support-bot-prod',
  ])
    .addOption(ifRevisionOption('the automation'))
    .action(async (automation, agent, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const done = await client().agents.remove.mutate({
        automation,
        agent,
        ...(opts.ifRevision !== undefined && { ifRevision: opts.ifRevision }),
      });
      out.result(done, () =>
        out.line(
          `Removed the agent ${quoted(done.agent.name)} from ${quoted(done.automation.name)} (now at revision ${done.automation.revision}).`,
        ),
      );
    });

  return cmd;
}
