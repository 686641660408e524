import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BuildError, type BuildRunSummary } from './build-error.js';
import { BuildOutput } from './build-output.js';
import { formatElapsed } from './elapsed.js';
import { KILL_GRACE_MS, signalGroup, stopGroup } from './process-group.js';
import { bwrapPath, sandboxArgs } from './sandbox.js';

export interface RunBuildOptions {
  /** The folder the command runs in and may write to: the checked-out source. */
  dir: string;
  /** A shell command, run with `/bin/sh -c`. */
  command: string;
  timeoutMs: number;
  outputLimitBytes: number;
  /** The command's whole environment, apart from HOME (always private) and a default PATH. */
  env: Readonly<Record<string, string>>;
  /** Receives redacted output, stdout and stderr merged in order, as it arrives. */
  onOutput?: (chunk: string) => void;
  /** Secret values that must never appear in output; each is replaced with "[redacted]". */
  redact?: readonly string[];
  signal?: AbortSignal;
  /** Where the private HOME (and TMPDIR, unsandboxed) live; a fresh temp folder, removed after, when absent. */
  scratchDir?: string;
  /** false runs without bubblewrap even where it is available. Default true. */
  sandbox?: boolean;
  /** Names the command in messages, e.g. "the [validate] generated command". Default "the build". */
  label?: string;
  /** Between SIGTERM and SIGKILL when the command is stopped. Default 5 s. */
  killGraceMs?: number;
}

/** A build that finished with exit code 0. */
export interface BuildResult extends BuildRunSummary {
  exitCode: number;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// The outer shell only joins stderr to stdout and hands over to the user's command, so both go
// through one pipe and keep the order the command wrote them in.
const MERGE_OUTPUT = 'exec /bin/sh -c "$1" 2>&1';

/**
 * Runs a build command and resolves when it exits 0; every other ending is a BuildError carrying
 * the run summary. Where bubblewrap works, the command sees the host read-only except its folder
 * and HOME (see sandbox.ts); otherwise it runs unsandboxed and the result says so.
 */
export async function runBuild(options: RunBuildOptions): Promise<BuildResult> {
  const label = options.label ?? 'the build';
  const dir = resolve(options.dir);
  const isFolder = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isFolder) throw new BuildError('spawn', `${capitalize(label)} cannot start: its folder ${dir} does not exist.`);
  if (options.signal?.aborted) throw new BuildError('cancelled', `${capitalize(label)} was cancelled before it started.`);

  const ownScratch = options.scratchDir === undefined;
  const scratch = options.scratchDir ?? (await mkdtemp(join(tmpdir(), 'berth-build-')));
  try {
    const home = join(scratch, 'home');
    const tmp = join(scratch, 'tmp');
    await mkdir(home, { recursive: true });
    const bwrap = options.sandbox === false ? null : await bwrapPath();
    // Unsandboxed, /tmp is the host's, so temporary files go to the scratch folder instead.
    if (bwrap === null) await mkdir(tmp, { recursive: true });
    const env = { PATH: DEFAULT_PATH, ...options.env, HOME: home, ...(bwrap === null ? { TMPDIR: tmp } : {}) };
    const argv = ['/bin/sh', '-c', MERGE_OUTPUT, 'sh', options.command];
    const [file, args] = bwrap === null ? [argv[0]!, argv.slice(1)] : [bwrap, sandboxArgs({ dir, home }, argv)];
    return await supervise(file, args, { ...options, dir, env, label, sandboxed: bwrap !== null });
  } finally {
    if (ownScratch) await rm(scratch, { recursive: true, force: true });
  }
}

type Supervised = RunBuildOptions & { env: Record<string, string>; label: string; sandboxed: boolean };
type StopReason = 'timeout' | 'output_limit' | 'cancelled';

/** Starts the process and watches its output, its clock and the caller's signal until it closes. */
function supervise(file: string, args: string[], options: Supervised): Promise<BuildResult> {
  const started = performance.now();
  const output = new BuildOutput(options.outputLimitBytes, options.redact ?? [], options.onOutput);
  const child = spawn(file, args, { cwd: options.dir, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stopReason: StopReason | undefined;
  let cancelKill = (): void => {};
  const stop = (reason: StopReason): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    cancelKill = stopGroup(child, options.killGraceMs ?? KILL_GRACE_MS);
  };
  const onData = (chunk: Buffer): void => {
    if (!output.write(chunk)) stop('output_limit');
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = (): void => stop('cancelled');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // Background processes a build started must not outlive it, nor hold its output pipe open.
  child.on('exit', () => signalGroup(child.pid, 'SIGKILL'));

  return new Promise<BuildResult>((resolvePromise, reject) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
      clearTimeout(timer);
      cancelKill();
      options.signal?.removeEventListener('abort', onAbort);
      output.end();
      const run: BuildRunSummary = {
        exitCode,
        durationMs: Math.round(performance.now() - started),
        outputBytes: output.outputBytes,
        truncated: output.truncated,
        tail: output.tail(),
        sandboxed: options.sandboxed,
      };
      const failure = describeFailure(options, run, stopReason, signal, spawnError);
      if (failure !== null) reject(failure);
      else resolvePromise({ ...run, exitCode: 0 });
    };
    child.once('error', (error) => finish(null, null, error));
    child.once('close', (code, signal) => finish(code, signal));
  });
}

function describeFailure(options: Supervised, run: BuildRunSummary, stopReason: StopReason | undefined, signal: NodeJS.Signals | null, spawnError?: Error): BuildError | null {
  const label = capitalize(options.label);
  const took = formatElapsed(run.durationMs);
  if (spawnError !== undefined) return new BuildError('spawn', `${label} could not be started: ${spawnError.message}`, { run, cause: spawnError });
  if (stopReason === 'cancelled') return new BuildError('cancelled', `${label} was cancelled after ${took}.`, { run });
  if (stopReason === 'timeout') {
    return new BuildError('timeout', `${label} ran past its limit of ${formatElapsed(options.timeoutMs)} and was stopped after ${took}.`, { run });
  }
  if (stopReason === 'output_limit') {
    return new BuildError('output_limit', `${label} printed more than its output limit of ${options.outputLimitBytes} bytes and was stopped after ${took}.`, { run });
  }
  if (run.exitCode === 0) return null;
  const ending = run.exitCode === null ? `was killed by ${signal ?? 'a signal'}` : `failed with exit code ${run.exitCode}`;
  return new BuildError('exit', `${label} ${ending} after ${took}.`, { run });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
