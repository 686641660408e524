import { spawn } from 'node:child_process';
import { BuildOutput } from '../build/build-output.js';
import { signalGroup } from '../build/process-group.js';

/** What every git command of one clone shares. */
export interface GitSession {
  /** The repository folder git runs in. */
  cwd: string;
  /** HOME: an empty folder, so no user configuration, credential helper or key is picked up. */
  home: string;
  /** performance.now() at which the whole clone must be done. */
  deadline: number;
  /** Strings scrubbed from everything git prints (the URL's credentials). */
  secrets: readonly string[];
  /** Receives git's progress and messages, redacted, as they arrive. */
  onOutput?: (chunk: string) => void;
}

export interface GitRun {
  code: number | null;
  stdout: string;
  /** The last lines git wrote to stderr, redacted: what a failure message quotes. */
  stderrTail: string[];
  /** Whether git was stopped because the clone ran out of time. */
  timedOut: boolean;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// Enough for the ref list of a very large repository; git's messages are far smaller.
const STDOUT_LIMIT = 64 * 1024 * 1024;
const STDERR_LIMIT = 1024 * 1024;

/**
 * The environment of every git command. Nothing is inherited from the control plane's own
 * environment, so no credential or proxy setting leaks into a clone by accident, and nothing can
 * wait for a person: no terminal prompt, no askpass, ssh in batch mode. Only the transports a
 * deploy needs are allowed; `ext::` (which runs a command) and the rest are refused by git.
 * LC_ALL=C keeps git's messages in English, which is what the failure messages quote.
 */
export function gitEnvironment(home: string): Record<string, string> {
  return {
    PATH: DEFAULT_PATH,
    HOME: home,
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ALLOW_PROTOCOL: 'file:git:http:https:ssh',
    // Host keys are checked strictly: with an empty HOME there is no known_hosts yet, so ssh
    // clones fail until the control plane provides one with a deploy key, rather than trusting
    // whichever host answers first.
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
  };
}

/**
 * Runs `git <args>` without a shell. git is started as the leader of its own process group, so
 * when the clone runs out of time its helpers (git-remote-https, ssh, index-pack) are stopped with
 * it. Never throws for a non-zero exit; the caller knows what the command meant and says so.
 */
export function runGit(session: GitSession, args: readonly string[]): Promise<GitRun> {
  const stderr = new BuildOutput(STDERR_LIMIT, session.secrets, session.onOutput);
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  let timedOut = false;
  const child = spawn('git', ['-c', 'init.defaultBranch=main', '-c', 'advice.detachedHead=false', ...args], {
    cwd: session.cwd,
    env: gitEnvironment(session.home),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdoutBytes + chunk.length <= STDOUT_LIMIT) stdout.push(chunk);
    stdoutBytes += chunk.length;
  });
  child.stderr.on('data', (chunk: Buffer) => stderr.write(chunk));
  const timer = setTimeout(() => {
    timedOut = true;
    signalGroup(child.pid, 'SIGKILL');
  }, Math.max(0, session.deadline - performance.now()));

  return new Promise((resolve) => {
    const finish = (code: number | null, spawnError?: Error): void => {
      clearTimeout(timer);
      stderr.end();
      const tail = spawnError === undefined ? stderr.tail() : [`git could not be started: ${spawnError.message}`];
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderrTail: tail, timedOut });
    };
    child.once('error', (error) => finish(null, error));
    child.once('close', (code) => finish(code));
  });
}
