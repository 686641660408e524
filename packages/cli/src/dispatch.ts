import { parseArgs } from 'node:util';
import { usageError } from './cli-error.js';
import { globalFlags, type CommandSpec, type FlagSpecs } from './command.js';
import { commandHelp, nounHelp, overview, usageLine } from './help.js';

/**
 * Turns argv into the command to run, its flags and its arguments, or into a help or version
 * request. Anything the command does not declare is a usage error (exit 2) naming the command's
 * usage, so a typo never runs something else.
 */
type AnyCommand = CommandSpec<any, any, any>;

export type CommandLine =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | {
      kind: 'run';
      command: AnyCommand;
      flags: Record<string, string | boolean | undefined>;
      args: Record<string, string>;
      rest: string[];
      globals: { json: boolean; api: string | undefined; token: string | undefined };
    };

function parseArgsOptions(flags: FlagSpecs) {
  return Object.fromEntries(Object.entries(flags).map(([flag, spec]) => [flag, { type: spec.type, ...(spec.short ? { short: spec.short } : {}) }]));
}

/** --json before any `--`: known even when the rest of the line is wrong, so errors are JSON too. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * A word as it may be quoted back in an error. A positional holding "=" may be NAME=VALUE with a
 * secret in it, and an error message must never carry a secret, so such a word is not quoted.
 */
function quoted(word: string): string {
  return word.includes('=') ? `"${word.slice(0, word.indexOf('='))}=…"` : `"${word}"`;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  return candidates.find((c) => c.startsWith(word.slice(0, 2)) && Math.abs(c.length - word.length) <= 2);
}

export function parseCommandLine(argv: readonly string[], commands: readonly AnyCommand[], version: string): CommandLine {
  // A first, lenient pass finds the command words; the strict pass below then knows which flags are allowed.
  const loose = parseArgs({ args: [...argv], options: parseArgsOptions(globalFlags), strict: false, allowPositionals: true });
  let words = loose.positionals;
  let asked = loose.values.help === true;
  if (words[0] === 'help') {
    words = words.slice(1);
    asked = true;
  }
  const nouns = [...new Set(commands.map((cmd) => cmd.path[0]))];
  if (words.length === 0) {
    if (asked) return { kind: 'help', text: overview(commands, version) };
    if (loose.values.version === true) return { kind: 'version' };
    throw usageError('No command given.', `Commands: ${nouns.join(', ')}. Run \`berth --help\` for more.`);
  }
  const [first, second] = words as [string, string | undefined];
  // `berth deploy watch ID` is the command `deploy watch`; `berth deploy ./site` is `deploy` with a DIR.
  const command =
    commands.find((cmd) => cmd.path.length === 2 && cmd.path[0] === first && cmd.path[1] === second) ??
    commands.find((cmd) => cmd.path.length === 1 && cmd.path[0] === first);
  if (!command) {
    const verbs = commands.filter((cmd) => cmd.path[0] === first && cmd.path.length === 2).map((cmd) => cmd.path[1]!);
    if (verbs.length === 0) {
      const guess = closest(first, nouns);
      throw usageError(`Unknown command ${quoted(first)}.`, `${guess ? `Did you mean \`berth ${guess}\`? ` : ''}Commands: ${nouns.join(', ')}.`);
    }
    if (asked && second === undefined) return { kind: 'help', text: nounHelp(first, commands) };
    const what = second === undefined ? `\`berth ${first}\` needs a command` : `Unknown command ${quoted(`berth ${first} ${second}`)}`;
    throw usageError(`${what}: one of ${verbs.join(', ')}.`, `Run \`berth ${first} --help\` for what each does.`);
  }

  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: parseArgsOptions({ ...globalFlags, ...command.flags }), strict: true, allowPositionals: true });
  } catch (error) {
    const e = error as { code?: string; message: string };
    const option = /'([^' ]+)/.exec(e.message)?.[1];
    const message = e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `Unknown option ${option} for \`berth ${command.path.join(' ')}\`.` : `${e.message.replace(/^Option/, 'The option')}.`;
    throw usageError(message, `Usage: ${usageLine(command)} (see --help).`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true || asked) return { kind: 'help', text: commandHelp(command, commands) };
  if (values.version === true) return { kind: 'version' };

  const given = parsed.positionals.slice(command.path.length);
  const names = Object.keys(command.args);
  const optional = Object.keys(command.optionalArgs ?? {});
  const declared = names.length + optional.length;
  const rest = command.rest ? given.slice(declared) : [];
  const cmdName = `\`berth ${command.path.join(' ')}\``;
  if (given.length < names.length) throw usageError(`Missing ${names.slice(given.length).map((n) => n.toUpperCase()).join(' and ')} for ${cmdName}.`, `Usage: ${usageLine(command)}`);
  if (!command.rest && given.length > declared) throw usageError(`Unexpected argument ${quoted(given[declared]!)} for ${cmdName}.`, `Usage: ${usageLine(command)}`);
  if (command.rest && rest.length < (command.rest.min ?? 0)) throw usageError(`Missing ${command.rest.name} for ${cmdName}.`, `Usage: ${usageLine(command)}`);
  const { json, api, token, help: _help, version: _version, ...flags } = values;
  return {
    kind: 'run',
    command,
    flags,
    args: Object.fromEntries([...names, ...optional].flatMap((n, i) => (i < given.length ? [[n, given[i]!]] : []))),
    rest,
    globals: { json: json === true, api: typeof api === 'string' ? api : undefined, token: typeof token === 'string' ? token : undefined },
  };
}
