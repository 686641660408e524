import type { Clock } from '@berth/core';
import type { ApiClient } from './api-client.js';
import { usageError } from './cli-error.js';
import type { ApiTarget, ConfigStore } from './config.js';
import type { ExitCodeValue } from './exit-codes.js';
import type { Printer } from './output/printer.js';
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

export interface CommandInput<F extends FlagSpecs, A extends string> {
  readonly flags: FlagValues<F>;
  readonly args: Readonly<Record<A, string>>;
}

export interface CommandSpec<F extends FlagSpecs = FlagSpecs, A extends string = string> {
  /** The words that name it: `['apps', 'create']`, or `['login']`. */
  readonly path: readonly [string] | readonly [string, string];
  readonly summary: string;
  /** Required positional arguments, in order, with their help; shown in usage as upper case. */
  readonly args: Readonly<Record<A, string>>;
  readonly flags: F;
  readonly examples: readonly string[];
  /**
   * True when the command stops itself on SIGINT/SIGTERM (`up` closes the control plane). Any other
   * command is ended by main.ts with exit 130 when the signal comes.
   */
  readonly handlesSignals?: boolean;
  /** Returns the exit code; undefined means 0. Refusals are thrown as CliError. */
  run(ctx: CommandContext, input: CommandInput<F, A>): Promise<ExitCodeValue | void>;
}

/** Declares a command; the identity function exists so that flags and args are inferred as literals. */
export function defineCommand<const F extends FlagSpecs, const A extends string = never>(spec: CommandSpec<F, A>): CommandSpec<F, A> {
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
