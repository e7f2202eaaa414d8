// `ferry completion bash|zsh|fish`: a completion script generated from the command tree itself, so it
// never falls behind the commands.
import { Argument, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { jsonOption, type Runtime } from '../lib/command.js';
import { must } from '@ferry/core/must';

interface Node {
  /** "/automation/list" ("" for the program). */
  path: string;
  description: string;
  subcommands: { name: string; description: string }[];
  options: string[];
  /** The options in detail (fish describes each and knows which take a value). */
  flags: Flag[];
  /** The values the command's arguments take, when they are a fixed list (e.g. the shells). */
  argumentChoices: string[];
}

interface Flag {
  long?: string;
  short?: string;
  description: string;
  takesValue: boolean;
  choices: string[];
}

const HELP_FLAG: Flag = {
  long: '--help',
  short: '-h',
  description: 'show help for a command',
  takesValue: false,
  choices: [],
};

function nodesOf(cmd: CommandUnknownOpts, path = ''): Node[] {
  const visible = cmd.commands.filter((c) => c.name() !== 'help');
  const shown = cmd.options.filter((o) => !o.hidden);
  const options = cmd.options
    .flatMap((o) => [o.long, o.short])
    .filter((f): f is string => Boolean(f));
  const flags = shown.map((o): Flag => ({
    ...(o.long && { long: o.long }),
    ...(o.short && { short: o.short }),
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices ?? [],
  }));
  const node: Node = {
    path,
    description: cmd.description(),
    subcommands: visible.map((c) => ({
      name: c.name(),
      description: c.summary() || c.description(),
    })),
    options: [...options, '--help'],
    flags: [...flags, HELP_FLAG],
    argumentChoices: cmd.registeredArguments.flatMap((a) => a.argChoices ?? []),
  };
  return [node, ...visible.flatMap((c) => nodesOf(c, `${path}/${c.name()}`))];
}

function aliasesOf(cmd: CommandUnknownOpts): [string, string][] {
  return cmd.commands.flatMap((c) => [
    ...c.aliases().map((a): [string, string] => [a, c.name()]),
    ...aliasesOf(c),
  ]);
}

const shortDescription = (d: string) => {
  const first = must(d.split(/[:;(]/)[0], 'd.split(/[:;(]/)[0]').trim();
  return first.length > 60 ? `${first.slice(0, 57)}...` : first;
};
const singleQuoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashScript(program: CommandUnknownOpts): string {
  const nodes = nodesOf(program);
  const paths = nodes.filter((n) => n.path !== '').map((n) => n.path);
  const aliases = aliasesOf(program);
  return `# bash completion for ferry. Load it with: source <(ferry completion bash)
_ferry() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmdpath="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case $w in -*) continue ;; esac
${aliases.length ? `    case $w in ${aliases.map(([a, n]) => `${a}) w=${n} ;;`).join(' ')} esac\n` : ''}    case "$cmdpath/$w" in
      ${paths.join('|')}) cmdpath="$cmdpath/$w" ;;
    esac
  done
  local commands="" options=""
  case $cmdpath in
${nodes
  .map(
    (n) =>
      `    "${n.path}") commands="${n.subcommands.map((s) => s.name).join(' ')}"; options="${n.options.join(' ')}" ;;`,
  )
  .join('\n')}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
  elif [[ -n $commands ]]; then
    COMPREPLY=($(compgen -W "$commands" -- "$cur"))
  else
    COMPREPLY=() # arguments: names, ids or files (the default completion)
  fi
}
complete -o default -F _ferry ferry
`;
}

export function zshScript(program: CommandUnknownOpts): string {
  const nodes = nodesOf(program);
  const paths = nodes.filter((n) => n.path !== '').map((n) => n.path);
  const aliases = aliasesOf(program);
  return `#compdef ferry
# zsh completion for ferry. Load it with: source <(ferry completion zsh)
# (or save it as _ferry in a directory of your $fpath).
_ferry() {
  local cmdpath="" w i
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    [[ $w == -* ]] && continue
${aliases.length ? `    case $w in ${aliases.map(([a, n]) => `(${a}) w=${n} ;;`).join(' ')} esac\n` : ''}    case "$cmdpath/$w" in
      (${paths.join('|')}) cmdpath="$cmdpath/$w" ;;
    esac
  done
  local -a commands options
  case $cmdpath in
${nodes
  .map(
    (n) =>
      `    ("${n.path}")\n      commands=(${n.subcommands.map((s) => singleQuoted(`${s.name}:${shortDescription(s.description)}`)).join(' ')})\n      options=(${n.options.join(' ')}) ;;`,
  )
  .join('\n')}
  esac
  if [[ $PREFIX == -* ]]; then
    compadd -- $options
  elif (( \${#commands} )); then
    _describe -t commands 'ferry command' commands
  else
    _files
  fi
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _ferry "$@"
else
  compdef _ferry ferry
fi
`;
}

/** A fish single-quoted string: only `\` and `'` are special there. */
const fishQuoted = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

export function fishScript(program: CommandUnknownOpts): string {
  const nodes = nodesOf(program);
  const paths = nodes.filter((n) => n.path !== '').map((n) => n.path);
  const aliases = aliasesOf(program);
  const at = (n: Node) => fishQuoted(`__ferry_at ${n.path || '/'}`);
  const lines = nodes.flatMap((n) => [
    ...n.subcommands.map(
      (s) =>
        `complete -c ferry -n ${at(n)} -f -a ${fishQuoted(s.name)} -d ${fishQuoted(shortDescription(s.description))}`,
    ),
    ...(n.argumentChoices.length
      ? [`complete -c ferry -n ${at(n)} -f -a ${fishQuoted(n.argumentChoices.join(' '))}`]
      : []),
    ...n.flags.map((f) =>
      [
        `complete -c ferry -n ${at(n)}`,
        ...(f.short ? [`-s ${f.short.slice(1)}`] : []),
        ...(f.long ? [`-l ${f.long.slice(2)}`] : []),
        ...(f.takesValue
          ? [f.choices.length ? `-x -a ${fishQuoted(f.choices.join(' '))}` : '-r']
          : []),
        `-d ${fishQuoted(shortDescription(f.description))}`,
      ].join(' '),
    ),
  ]);
  return `# fish completion for ferry. Load it with: ferry completion fish | source
# (or save it as ~/.config/fish/completions/ferry.fish).
set -g __ferry_paths ${paths.join(' ')}

# The command typed so far, e.g. /automation/list ("/" before any).
function __ferry_path
    set -l path ''
    for w in (commandline -opc)[2..-1]
        string match -q -- '-*' $w; and continue
${aliases.length ? `        switch $w\n${aliases.map(([a, n]) => `            case ${a}\n                set w ${n}`).join('\n')}\n        end\n` : ''}        contains -- "$path/$w" $__ferry_paths; and set path "$path/$w"
    end
    test -n "$path"; or set path /
    echo $path
end

function __ferry_at
    set -l path (__ferry_path)
    test "$path" = "$argv[1]"
end

${lines.join('\n')}
`;
}

export function registerCompletion(program: CommandUnknownOpts, rt: Runtime) {
  return program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish'] as const))
    .addOption(jsonOption().hideHelp())
    .addHelpText(
      'after',
      `
Examples:
  $ source <(ferry completion bash)              # in ~/.bashrc
  $ ferry completion zsh > "\${fpath[1]}/_ferry"   # then restart zsh
  $ ferry completion fish > ~/.config/fish/completions/ferry.fish
`,
    )
    .action((shell) => {
      const script =
        shell === 'bash'
          ? bashScript(program)
          : shell === 'zsh'
            ? zshScript(program)
            : fishScript(program);
      rt.io.stdout.write(script);
    });
}
