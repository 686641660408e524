import { globalFlags, type CommandSpec, type FlagSpecs } from './command.js';

/**
 * Usage text, derived from the command specs so that `--help` can never disagree with what the
 * parser accepts.
 */
type AnyCommand = CommandSpec<any, any, any>;

const name = (cmd: AnyCommand) => `berth ${cmd.path.join(' ')}`;

/** `ID`, then `[DIR]` for an optional argument, then `NAME...` (or `[NAME...]`) for a variadic tail. */
function argNames(cmd: AnyCommand): string[] {
  const names = [...Object.keys(cmd.args).map((arg) => arg.toUpperCase()), ...Object.keys(cmd.optionalArgs ?? {}).map((arg) => `[${arg.toUpperCase()}]`)];
  if (cmd.rest) names.push((cmd.rest.min ?? 0) > 0 ? `${cmd.rest.name}...` : `[${cmd.rest.name}...]`);
  return names;
}

/** Every positional with its help, for the Arguments section. */
function argHelp(cmd: AnyCommand): Array<readonly [string, string]> {
  const rows: Array<readonly [string, string]> = [
    ...Object.entries(cmd.args as Record<string, string>).map(([arg, help]) => [arg.toUpperCase(), help] as const),
    ...Object.entries((cmd.optionalArgs ?? {}) as Record<string, string>).map(([arg, help]) => [arg.toUpperCase(), `${help} (optional)`] as const),
  ];
  if (cmd.rest) rows.push([`${cmd.rest.name}...`, cmd.rest.help]);
  return rows;
}

function flagLabel(flag: string, spec: FlagSpecs[string]): string {
  return `${spec.short ? `-${spec.short}, ` : ''}--${flag}${spec.value ? ` ${spec.value}` : ''}`;
}

function flagList(flags: FlagSpecs): string {
  const rows = Object.entries(flags).map(([flag, spec]) => [flagLabel(flag, spec), spec.help] as const);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, help]) => `  ${label.padEnd(width)}  ${help}`).join('\n');
}

/** `berth apps list [--limit N] [--all]`: the one line shown with a usage error. */
export function usageLine(cmd: AnyCommand): string {
  const flags = Object.entries(cmd.flags as FlagSpecs).map(([flag, spec]) => `[${flagLabel(flag, spec)}]`);
  return [name(cmd), ...argNames(cmd), ...flags].join(' ');
}

/** The usage of one command; a one-word command that shares its noun (`deploy`) also lists the others (`deploy watch`). */
export function commandHelp(cmd: AnyCommand, commands: readonly AnyCommand[] = []): string {
  const sections = [`Usage: ${usageLine(cmd)}`, '', cmd.summary + '.'];
  const args = argHelp(cmd);
  if (args.length > 0) {
    const width = Math.max(...args.map(([arg]) => arg.length));
    sections.push('', 'Arguments:', ...args.map(([arg, help]) => `  ${arg.padEnd(width)}  ${help}`));
  }
  if (Object.keys(cmd.flags).length > 0) sections.push('', 'Options:', flagList(cmd.flags));
  sections.push('', 'Global options:', flagList(globalFlags));
  if (cmd.examples.length > 0) sections.push('', 'Examples:', ...cmd.examples.map((example) => `  ${example}`));
  const siblings = cmd.path.length === 1 ? commands.filter((other) => other.path[0] === cmd.path[0] && other.path.length === 2) : [];
  if (siblings.length > 0) sections.push('', 'Related commands:', commandRows(siblings));
  return sections.join('\n');
}

function commandRows(commands: readonly AnyCommand[]): string {
  const width = Math.max(...commands.map((cmd) => [cmd.path.join(' '), ...argNames(cmd)].join(' ').length));
  return commands.map((cmd) => `  ${[cmd.path.join(' '), ...argNames(cmd)].join(' ').padEnd(width)}  ${cmd.summary}`).join('\n');
}

export function overview(commands: readonly AnyCommand[], version: string): string {
  return [
    `berth ${version}: run and operate apps on your own machines.`,
    '',
    'Usage: berth <command> [arguments] [options]',
    '',
    'Commands:',
    commandRows(commands),
    '',
    'Global options:',
    flagList(globalFlags),
    '',
    'Run `berth <command> --help` for a command\'s options and examples.',
    'Exit codes: 0 ok, 1 operation did not succeed, 2 usage, 3 auth, 4 not found, 5 refused, 6 server error, 7 API unreachable, 8 local environment, 130 interrupted.',
  ].join('\n');
}

export function nounHelp(noun: string, commands: readonly AnyCommand[]): string {
  const mine = commands.filter((cmd) => cmd.path[0] === noun);
  return [`Usage: berth ${noun} <command> [arguments] [options]`, '', 'Commands:', commandRows(mine), '', `Run \`berth ${noun} <command> --help\` for a command's options.`].join('\n');
}
