// Child processes of a benchmark run: every server, proxy and load generator is started here, so
// one place knows them all and kills them all, whether the run ends, fails or is interrupted.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** @typedef {{ name: string, pid: number, exited: Promise<{ code: number | null, signal: string | null }>, hasExited: () => boolean, output: () => string, child: import('node:child_process').ChildProcess }} Running */

/** @type {Set<Running>} */
const running = new Set();
let pinning = true;
let niceness = 0;

/** Turns CPU pinning (taskset) on or off for every process started after the call. */
export function setPinning(enabled) {
  pinning = enabled;
}

/**
 * Runs every process started after the call at this nice value. Below 0 (root only) the run's
 * processes win the CPU over other work on a shared machine, so a build started beside the
 * benchmark disturbs it less.
 */
export function setNiceness(value) {
  niceness = value;
}

/**
 * Starts a long-lived process in its own process group (so a server that forks, like nginx's
 * master and worker, is killed whole) and pinned to `cpu` when pinning is on: on a 2-core machine
 * the proxy under test gets one core, the upstream and the load generator share the other.
 * Its output is kept (the last 64 KiB) to explain a failure.
 * @param {string} name
 * @param {string} command
 * @param {string[]} args
 * @param {{ cpu?: number, env?: Record<string, string>, ipc?: boolean, cwd?: string }} [options]
 * @returns {Running}
 */
export function startProcess(name, command, args, options = {}) {
  // nice and taskset each exec the next command, so the pid is the command's own.
  let argv = [command, ...args];
  if (pinning && options.cpu !== undefined) argv = ['taskset', '-c', String(options.cpu), ...argv];
  if (niceness !== 0) argv = ['nice', '-n', String(niceness), ...argv];
  const child = spawn(argv[0], argv.slice(1), {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? ['ipc'] : [])],
  });
  if (niceness !== 0 && child.pid !== undefined) setAutogroupNice(child.pid);
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let done = false;
  const exited = new Promise((resolve) => {
    child.on('error', (error) => {
      keep(`\n[spawn error] ${error.message}\n`);
      done = true;
      resolve({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const entry = { name, pid: child.pid ?? -1, exited, hasExited: () => done, output: () => output, child };
  running.add(entry);
  void exited.then(() => running.delete(entry));
  return entry;
}

/**
 * Runs a command to completion (a load generator, a version probe) and returns all it printed.
 * It is tracked like a server, so an interrupted run kills it too.
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
export async function runToEnd(name, command, args, options = {}) {
  const entry = startProcess(name, command, args, options);
  let stdout = '';
  let stderr = '';
  entry.child.stdout.on('data', (chunk) => (stdout += chunk));
  entry.child.stderr.on('data', (chunk) => (stderr += chunk));
  const { code } = await entry.exited;
  return { code, stdout, stderr };
}

/**
 * With the kernel's autogroup scheduling on (the default on desktop-style kernels), the CPU is
 * shared between sessions first and by nice value only within one; every child here starts its
 * own session (detached), so its nice value alone would not outweigh a build in another session.
 * The session's own nice value does; without the file or the right to write it, nothing changes.
 */
function setAutogroupNice(pid) {
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(niceness));
  } catch {
    // No autogroup scheduling, or not root: the plain nice value is all there is.
  }
}

/** Asks a process group to stop, and kills it if it has not within `graceMs`. */
export async function stopProcess(entry, graceMs = 3_000) {
  if (entry.hasExited()) return;
  signalGroup(entry, 'SIGTERM');
  const timer = new Promise((resolve) => setTimeout(resolve, graceMs, 'timeout'));
  if ((await Promise.race([entry.exited, timer])) === 'timeout') {
    signalGroup(entry, 'SIGKILL');
    await entry.exited;
  }
}

/** The process group of every server still running (each child leads its own group). */
export function runningGroups() {
  return [...running].filter((entry) => !entry.hasExited()).map((entry) => entry.pid);
}

/** Stops every process this run started. */
export async function stopAll() {
  await Promise.all([...running].map((entry) => stopProcess(entry)));
}

function signalGroup(entry, signal) {
  try {
    process.kill(-entry.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Installs the handlers that leave no process behind: Ctrl-C and SIGTERM stop every child and
 * exit, and a process exit for any other reason (an uncaught error included) kills what is left.
 */
export function killChildrenOnExit() {
  process.on('exit', () => {
    for (const entry of running) signalGroup(entry, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      console.error(`\nbench: ${signal}, stopping ${running.size} child process(es)`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

/** A TCP port free on 127.0.0.1 right now (the kernel's choice, released before it is returned). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `port` accepts a connection; fails early, with the process's output, if it exits. */
export async function waitForPort(port, entry, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (entry.hasExited()) throw new Error(`${entry.name} exited before listening on ${port}:\n${entry.output()}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${entry.name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${entry.output()}`);
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
