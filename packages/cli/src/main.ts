import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { systemClock } from '@berth/core';
import { createApiClient, type ApiClient } from './api-client.js';
import { CliError, toCliError } from './cli-error.js';
import type { CommandContext } from './command.js';
import { commands } from './commands/index.js';
import { configPath, fileConfigStore, normalizeApiUrl, resolveApiTarget, type ApiTarget } from './config.js';
import { parseCommandLine, wantsJson } from './dispatch.js';
import { ExitCode } from './exit-codes.js';
import { createPrinter, type Printer } from './output/printer.js';
import { createStyle } from './output/style.js';
import { createTerminal } from './terminal.js';

/**
 * The process boundary of `berth`: the one place that reads argv and the environment, watches
 * for signals and exits. Everything below gets a typed CommandContext instead.
 */
const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function main(): Promise<never> {
  const argv = process.argv.slice(2);
  const env = process.env;
  const json = wantsJson(argv);
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const out = createPrinter({
    json,
    stdout: process.stdout,
    stderr: process.stderr,
    style: createStyle(!json && process.stdout.isTTY === true && !noColor),
    errorStyle: createStyle(process.stderr.isTTY === true && !noColor),
  });

  // The first SIGINT/SIGTERM asks the command to stop; a second one ends the process at once.
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) return stop.abort(signal);
    out.note(`${signal} again: exiting now.`);
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let code: number;
  try {
    code = await run(argv, env, out, stop.signal);
  } catch (error) {
    const cliError = toCliError(error);
    out.error(cliError);
    code = cliError.exitCode;
  }
  // Exit explicitly: idle keep-alive sockets would otherwise hold the process for seconds. Wait
  // for stdout to drain first, so a pipe gets the whole document.
  await new Promise((resolve) => process.stdout.write('', resolve));
  process.exit(code);
}

async function run(argv: string[], env: NodeJS.ProcessEnv, out: Printer, signal: AbortSignal): Promise<number> {
  const line = parseCommandLine(argv, commands, version);
  if (line.kind === 'version') {
    out.result({ version }, () => `berth ${version}`);
    return ExitCode.ok;
  }
  if (line.kind === 'help') {
    out.result({ usage: line.text }, () => line.text);
    return ExitCode.ok;
  }

  const config = fileConfigStore(configPath({ xdgConfigHome: env.XDG_CONFIG_HOME, home: homedir() }));
  let target: ApiTarget | undefined;
  // Read on first use: `up` and `logout` never need it, so a bad BERTH_API_URL does not stop them.
  const resolveTarget = () =>
    (target ??= resolveApiTarget({ flags: line.globals, env: { apiUrl: env.BERTH_API_URL, token: env.BERTH_TOKEN }, file: config.read(), filePath: config.path }));
  const client = (override: { url?: string; token?: string } = {}): ApiClient =>
    createApiClient({
      baseUrl: override.url !== undefined ? normalizeApiUrl(override.url, 'the API URL') : resolveTarget().url,
      token: override.token ?? resolveTarget().token,
      fetch: globalThis.fetch,
      signal,
      userAgent: `berth-cli/${version} node/${process.versions.node}`,
    });

  const ctx: CommandContext = {
    json: out.json,
    out,
    terminal: createTerminal(process.stdin, process.stderr),
    screen: { isTTY: !out.json && process.stdout.isTTY === true, write: (text) => void process.stdout.write(text) },
    config,
    get target() {
      return resolveTarget();
    },
    client,
    clock: systemClock,
    signal,
    upEnvironment: { dataDir: env.BERTH_DATA_DIR, apiPort: env.BERTH_API_PORT, host: env.BERTH_HOST, databaseUrl: env.BERTH_DATABASE_URL, masterKey: env.BERTH_MASTER_KEY, baseDomain: env.BERTH_BASE_DOMAIN, runnerDriver: env.BERTH_RUNNER_DRIVER, dockerSocket: env.BERTH_DOCKER_SOCKET, joinToken: env.BERTH_JOIN_TOKEN, edgePort: env.BERTH_EDGE_PORT, natsUrl: env.BERTH_NATS_URL, routeKey: env.BERTH_ROUTE_KEY },
    version,
  };

  const running = line.command.run(ctx, { flags: line.flags, args: line.args, rest: line.rest });
  if (line.command.handlesSignals) return (await running) ?? ExitCode.ok;
  // Other commands end at the first signal (Ctrl-C on `ops watch`), with exit 130.
  const interrupted = new Promise<never>((_, reject) => {
    const fail = () => reject(new CliError('interrupted', `Interrupted (${String(signal.reason)}).`, { exitCode: ExitCode.interrupted }));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  running.catch(() => {}); // Its rejection after an interrupt is not news.
  return (await Promise.race([running, interrupted])) ?? ExitCode.ok;
}
