import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { tempDir } from '@berth/testkit';
import { freePort } from '../alloc-runner/free-port.js';
import { describeProcesses, killLeftovers, liveProcessesOf } from '../test-support/live-processes.js';
import type { AllocationSpec } from './driver.js';
import { FakeDriver } from './fake-driver.js';
import { bwrapPath } from './sandbox.js';

/**
 * A stop can reach a sandbox at any point of its start: before bwrap has made the sandbox, while
 * the sandbox's init is still mounting its filesystem, while the app boots. Whatever the point, no
 * process of the allocation may outlive the stop. These tests look for them in /proc, never in the
 * driver's own answer: the driver once said the process had exited while its sandbox ran on.
 */

const bwrap = await bwrapPath();
const skip = bwrap ? false : 'bubblewrap does not work on this host';

let dir: { path: string; remove: () => Promise<void> };
let artifactDir: string;

before(async () => {
  dir = await tempDir('berth-sandbox-stop-');
  artifactDir = join(dir.path, 'artifact');
  await mkdir(artifactDir);
  await writeFile(join(artifactDir, 'index.txt'), 'the built app\n');
});

after(async () => {
  // Whatever a failed test left running must not keep this file from exiting.
  killLeftovers(dir.path, 'sandbox-stop');
  await dir.remove();
});

/**
 * A driver whose sandboxes run at the lowest priority from their first instruction (bwrap's init
 * inherits it), so they hardly run while a test looks for them, even on a host busy enough to
 * starve the test too.
 */
const slowSandboxes = new FakeDriver({
  spawn: (command, args, options) => {
    const child = spawn(command, args, options);
    if (child.pid !== undefined) setPriority(child.pid, 19);
    return child;
  },
});

async function spec(name: string): Promise<AllocationSpec> {
  // The fake app that warms up for a minute: the stop always comes while it is not ready.
  return { allocationId: `alloc_${name}`, artifactDir, workDir: join(dir.path, name), command: 'run by the fake driver', port: await freePort(), env: { BERTH_FAKE: 'late-ready:60000' }, memoryBytes: 256 * 2 ** 20 };
}

test('a stop that meets the sandbox\'s init half set up leaves none of its processes running', { skip }, async () => {
  let raced = 0;
  for (let attempt = 0; attempt < 10 && raced < 3; attempt++) {
    const started = await spec(`half-${attempt}`);
    const running = await slowSandboxes.start(started, () => {});
    const bwrapPid = spawnedBy(started.workDir);
    // Caught between bwrap's clone and the init's setsid, as a loaded host's scheduler may leave it.
    const init = pauseSandboxInit(bwrapPid);
    if (!init || init.pgid !== bwrapPid) {
      if (init) process.kill(init.pid, 'SIGCONT');
      await running.stop(1_000);
      continue;
    }
    raced++;
    const restore = letInitRunAheadOfTheFirstSignal(bwrapPid, init.pid);
    try {
      await running.stop(1_000);
    } finally {
      restore();
    }
    const left = liveProcessesOf(started.workDir);
    assert.equal(left.length, 0, `still running after the stop:\n${describeProcesses(left)}`);
  }
  assert.ok(raced > 0, 'the sandbox\'s init was never caught half set up');
});

test('a stop at any moment of the start leaves none of its processes running, on a busy host', { skip }, async () => {
  // A busy loop at the lowest priority loads the CPU for the sandboxes, put at the same priority
  // below, and hardly at all for the other test files running beside this one.
  const hog = busyLoop();
  try {
    for (const delayMs of [0, 0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]) {
      const started = await spec(`moment-${delayMs}-${Math.random().toString(36).slice(2, 6)}`);
      const running = await new FakeDriver().start(started, () => {});
      // Lowered only now, so bwrap may be at any point of its start when it slows down: with the
      // driver that signalled bwrap itself, this alone left a sandbox running in 3 of 8 runs.
      setPriority(spawnedBy(started.workDir), 19);
      if (delayMs > 0) await sleep(delayMs);
      const { exit } = await running.stop(1_000);
      const left = liveProcessesOf(started.workDir);
      assert.equal(left.length, 0, `stopped ${delayMs} ms after the spawn (${exit.reason}), still running:\n${describeProcesses(left)}`);
    }
  } finally {
    hog.kill('SIGKILL');
  }
});

/**
 * The process the driver spawned for a work folder: the runner's child whose arguments name it.
 * Looked for again for a moment, since its arguments read empty while it execs bwrap.
 */
function spawnedBy(workDir: string): number {
  const deadline = Date.now() + 1_000;
  do {
    for (const pid of allPids()) {
      if (procStat(pid)?.ppid === process.pid && readText(`/proc/${pid}/cmdline`)?.includes(workDir)) return pid;
    }
  } while (Date.now() < deadline);
  throw new Error(`no child of the runner names ${workDir}`);
}

/**
 * Finds bwrap's child (the sandbox's init, pid 1 of its PID namespace) as soon as bwrap clones it
 * and stops it with SIGSTOP, which reaches a namespace's init from outside. Returns it once it is
 * stopped, or null when it was not seen within 20 s (a starved host may take that long to exec
 * bwrap at all).
 */
function pauseSandboxInit(bwrapPid: number): { pid: number; pgid: number } | null {
  const deadline = Date.now() + 20_000;
  let scans = 0;
  while (Date.now() < deadline) {
    // Pids are handed out in order, so the child is almost always just above its parent; a full
    // scan now and then finds it wherever it is.
    const candidates = scans++ % 20 === 19 ? allPids() : Array.from({ length: 32 }, (_, i) => bwrapPid + 1 + i);
    for (const pid of candidates) {
      if (procStat(pid)?.ppid !== bwrapPid) continue;
      process.kill(pid, 'SIGSTOP');
      spinUntil(() => ['T', 'Z'].includes(procStat(pid)?.state ?? 'Z'), 5_000);
      const stat = procStat(pid);
      return stat ? { pid, pgid: stat.pgid } : null;
    }
  }
  return null;
}

/**
 * Plays the scheduler of a loaded host: at the first signal the runner sends, bwrap gets up to
 * 300 ms to act on it, and then the paused init runs on until it has left bwrap's process group
 * (its setsid) or died. A stop that killed bwrap while its init was still setting up would orphan
 * the init here, which then starts the app with nothing left to stop it. Everything happens inside
 * process.kill, so the runner sees nothing of it until the call returns.
 */
function letInitRunAheadOfTheFirstSignal(bwrapPid: number, initPid: number): () => void {
  const original = process.kill;
  let done = false;
  process.kill = ((pid: number, signal?: string | number) => {
    const result = original.call(process, pid, signal);
    if (!done) {
      done = true;
      spinUntil(() => ['T', 'Z', undefined].includes(procStat(bwrapPid)?.state), 300);
      try {
        original.call(process, initPid, 'SIGCONT');
      } catch {
        // Already gone.
      }
      spinUntil(() => {
        const stat = procStat(initPid);
        return !stat || stat.state === 'Z' || stat.pgid !== bwrapPid;
      }, 2_000);
    }
    return result;
  }) as typeof process.kill;
  return () => {
    process.kill = original;
  };
}

function busyLoop(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  setPriority(child.pid!, 19);
  return child;
}

function spinUntil(condition: () => boolean, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) {
    // A synchronous wait: nothing of the runner may run meanwhile.
  }
}

function allPids(): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

function procStat(pid: number): { state: string; ppid: number; pgid: number } | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', ppid: Number(fields[1]), pgid: Number(fields[2]) };
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
