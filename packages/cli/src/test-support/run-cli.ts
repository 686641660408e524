import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@berth/testkit';

/**
 * Runs the real `berth` (bin/berth.js over the compiled dist) as a child process, the way a person
 * or a script does. The child gets a clean environment: no BERTH_* from the developer's shell, and
 * HOME and XDG_CONFIG_HOME in a temporary folder so that no test touches a real config file.
 */
export const berthBin = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  /** HOME and XDG_CONFIG_HOME point here. */
  readonly home: string;
  readonly configFile: string;
  /** The child's environment; add BERTH_* per test. */
  env(extra?: Record<string, string>): Record<string, string>;
  remove(): Promise<void>;
}

export async function sandbox(): Promise<Sandbox> {
  const dir = await tempDir('berth-cli-');
  const config = join(dir.path, 'config');
  mkdirSync(config, { recursive: true });
  return {
    home: dir.path,
    configFile: join(config, 'berth', 'config.json'),
    env: (extra = {}) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir.path, XDG_CONFIG_HOME: config, NO_COLOR: '1', ...extra }),
    remove: dir.remove,
  };
}

/** Starts `berth ...args`; the test reads its output as it comes. */
export function spawnCli(args: readonly string[], options: { env: Record<string, string>; cwd?: string }): ChildProcess & { output: CliResult; exited: Promise<CliResult> } {
  const child = spawn(process.execPath, [berthBin, ...args], { env: options.env, cwd: options.cwd ?? process.cwd(), stdio: ['pipe', 'pipe', 'pipe'] });
  const output: CliResult = { code: null, signal: null, stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      output.code = code;
      output.signal = signal;
      resolve(output);
    });
  });
  return Object.assign(child, { output, exited });
}

/** Runs `berth ...args` to the end, with `input` on stdin (closed either way, so nothing waits on it). */
export async function runCli(args: readonly string[], options: { env: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number }): Promise<CliResult> {
  const child = spawnCli(args, options);
  child.stdin?.end(options.input ?? '');
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timeout);
  }
}

/** Parses stdout as exactly one JSON document; fails with the output when it is not. */
export function parseJson(result: CliResult): any {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document:\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
}

/** The result in a form worth reading when an assertion fails. */
export function explain(result: CliResult): string {
  return `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
}
