import type { Clock } from '@berth/core';
import type { ApiClient } from './api-client.js';
import { usageError } from './cli-error.js';
import type { ApiTarget, ConfigStore } from './config.js';
import type { ExitCodeValue } from './exit-codes.js';
import type { Printer } from './output/printer.js';
import type { Screen } from './output/screen.js';
import type { Terminal } from './terminal.js';
import type { UpEnvironment } from './up/settings.js';

/**
 * The contract of one `berth <noun> <verb>` command: what it accepts (flags and positional
 * arguments, from which main.ts derives its usage text and refuses anything else), and `run`,
 * which gets everything it touches through the typed context below, never from `process`.
 */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The placeholder shown in usage, e.g. `N` for `--limit N`. */
  readonly value?: string;
  readonly help: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** What parseArgs hands back for a set of flags: strings for string flags, booleans for the rest. */
export type FlagValues<F extends FlagSpecs> = { readonly [K in keyof F]?: F[K] extends { type: 'string' } ? string : boolean };

/** The deps of a command: built once by main.ts from argv, the environment and the terminal. */
export interface CommandContext {
  /** True under --json: stdout then carries exactly one JSON document. */
  readonly json: boolean;
  readonly out: Printer;
  readonly terminal: Terminal;
  /** stdout for drawn output (a spinner, passed-through build output); never used under --json. */
  readonly screen: Screen;
  readonly config: ConfigStore;
  /**
   * Where the API is and which token to send, with where each came from (flag, env, config file).
   * Resolved and validated on first read, so `up` and `logout` never trip on a bad BERTH_API_URL.
   */
  readonly target: ApiTarget;
  /** A client for `target`, or for the URL and token given (login verifies a token before saving it). */
  client(override?: { url?: string; token?: string }): ApiClient;
  readonly clock: Clock;
  /** Aborted by the first SIGINT or SIGTERM, with the signal's name as the reason. */
  readonly signal: AbortSignal;
  /** The BERTH_* settings of `berth up`, as read from the environment (validated by `up`). */
  readonly upEnvironment: UpEnvironment;
  readonly version: string;
}

export interface CommandInput<F extends FlagSpecs, A extends string, O extends string = never> {
  readonly flags: FlagValues<F>;
  /** The required arguments, then the optional ones that were given (absent ones are undefined). */
  readonly args: Readonly<Record<A, string>> & Readonly<Partial<Record<O, string>>>;
  /** The positionals after the declared ones, when the command declares `rest`; else empty. */
  readonly rest: readonly string[];
}

/** A variadic tail of positionals, e.g. `NAME=VALUE...`; `min` of them are required (default 0). */
export interface RestSpec {
  /** Shown in usage as given, followed by "...". */
  readonly name: string;
  readonly help: string;
  readonly min?: number;
}

export interface CommandSpec<F extends FlagSpecs = FlagSpecs, A extends string = string, O extends string = never> {
  /** The words that name it: `['apps', 'create']`, or `['login']`. */
  readonly path: readonly [string] | readonly [string, string];
  readonly summary: string;
  /** Required positional arguments, in order, with their help; shown in usage as upper case. */
  readonly args: Readonly<Record<A, string>>;
  /** Optional positional arguments after the required ones, in order; shown in usage as `[DIR]`. */
  readonly optionalArgs?: Readonly<Record<O, string>>;
  /** Any number of positionals after the declared ones (`berth secrets set NAME=VALUE...`). */
  readonly rest?: RestSpec;
  readonly flags: F;
  readonly examples: readonly string[];
  /**
   * True when the command stops itself on SIGINT/SIGTERM (`up` closes the control plane). Any other
   * command is ended by main.ts with exit 130 when the signal comes.
   */
  readonly handlesSignals?: boolean;
  /** Returns the exit code; undefined means 0. Refusals are thrown as CliError. */
  run(ctx: CommandContext, input: CommandInput<F, A, O>): Promise<ExitCodeValue | void>;
}

/** Declares a command; the identity function exists so that flags and args are inferred as literals. */
export function defineCommand<const F extends FlagSpecs, const A extends string = never, const O extends string = never>(spec: CommandSpec<F, A, O>): CommandSpec<F, A, O> {
  return spec;
}

/** The flags every command accepts. */
export const globalFlags = {
  json: { type: 'boolean', help: 'print exactly one JSON document on stdout (errors too)' },
  api: { type: 'string', value: 'URL', help: 'the API to talk to (default: BERTH_API_URL, the config file, http://127.0.0.1:7070)' },
  token: { type: 'string', value: 'T', help: 'the API token to send (default: BERTH_TOKEN, the config file)' },
  help: { type: 'boolean', short: 'h', help: 'show the usage of this command' },
  version: { type: 'boolean', help: 'print the version of berth' },
} as const satisfies FlagSpecs;

/** A page size for list commands: the API accepts 1 to 200. */
export function parseLimit(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 200) throw usageError(`--limit must be a whole number from 1 to 200: got "${raw}".`, 'For example --limit 20; add --all to read every page.');
  return n;
}
