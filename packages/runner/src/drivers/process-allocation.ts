import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AllocationStats, ExitInfo, RunningAllocation } from './driver.js';
import { describeExit } from './exit-info.js';
import type { MemoryGuard } from './memory-limit.js';
import { clockTicksPerSecond, groupsOf, processTree, signalGroup, treeResidentBytes } from './process-tree.js';
import { killSandboxInit, type SandboxInit } from './sandbox-init.js';

/** What the process driver hands over once the app's process is spawned. */
export interface ProcessAllocationParts {
  allocationId: string;
  address: { host: string; port: number };
  /** Spawned detached, so its pid is also the id of its process group. */
  child: ChildProcess;
  /** In the sandbox, the sandbox's init as bwrap reports it (see sandbox-init.ts); null without the sandbox. */
  sandboxInit: Promise<SandboxInit | null> | null;
  memory: MemoryGuard;
  /** Called once after the exit, before `exited` resolves: delivers buffered output and removes the working copy. */
  cleanup: () => Promise<void>;
}

/**
 * One running process allocation: a process tree that the runner signals, measures and waits for.
 *
 * Without the sandbox the app's shell leads the group the driver spawned, and signals go to that
 * group, so an app's workers stop with it.
 *
 * In the sandbox the tree is bwrap → the sandbox's init (pid 1 of its PID namespace) → the app,
 * and the init's setsid (`--new-session`) puts the init and the app in a group of their own.
 * - SIGTERM, the drain, goes to the app's groups, never to bwrap: bwrap does not forward it, and
 *   a bwrap that dies while its init is still setting up leaves that init running (sandbox-init.ts).
 *   A stop that finds no app process yet has nothing to drain and kills the sandbox at once.
 * - SIGKILL, at the deadline or the memory limit, goes to the init, whose death ends every process
 *   of the namespace; bwrap reaps it and exits by itself. Only a bwrap that has made no sandbox yet
 *   is killed itself.
 * - The allocation has exited once bwrap has exited and its init is gone: if bwrap died some other
 *   way, its init is killed before the exit is announced and the working copy removed.
 */
export class ProcessAllocation implements RunningAllocation {
  readonly allocationId: string;
  readonly address: { host: string; port: number };
  readonly sandboxed: boolean;
  readonly memoryLimit: 'cgroup' | 'watchdog';
  readonly exited: Promise<ExitInfo>;
  readonly #pid: number;
  readonly #init: Promise<SandboxInit | null> | null;
  readonly #processExited: Promise<void>;
  readonly #closed: Promise<void>;
  #hasExited = false;
  #stopping: Promise<{ exit: ExitInfo; killed: boolean }> | undefined;
  #lastCpu = { ticks: 0, at: Date.now() };

  constructor(parts: ProcessAllocationParts) {
    this.allocationId = parts.allocationId;
    this.address = parts.address;
    this.sandboxed = parts.sandboxInit !== null;
    this.memoryLimit = parts.memory.kind;
    this.#pid = parts.child.pid!;
    this.#init = parts.sandboxInit;
    const exit = once(parts.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    // Listened for from the start: Node may emit 'close' in the same tick as 'exit' when the pipes
    // are already drained, and a listener added after 'exit' would miss it.
    this.#closed = once(parts.child, 'close').then(() => {});
    this.#processExited = exit.then(() => {
      this.#hasExited = true;
    });
    this.exited = exit.then(([code, signal]) => this.#finish(parts, code, signal));
  }

  async #finish(parts: ProcessAllocationParts, code: number | null, signal: NodeJS.Signals | null): Promise<ExitInfo> {
    // Whatever is left in the spawned group goes: without the sandbox, what the app left behind
    // (a daemonised worker); in it, an init that bwrap made but never let start. The working copy
    // is about to be removed.
    signalGroup(this.#pid, 'SIGKILL');
    // bwrap has exited; its init normally has too, or is about to by its parent-death signal. One
    // that bwrap left half set up would run on, so it is killed, and the exit is announced only
    // once it is gone.
    const init = this.#init ? await within(this.#init, 1_000, null) : null;
    if (init) await killSandboxInit(init, 2_000);
    // Output still in the pipes is delivered before the exit is announced. A process that escaped
    // could hold a pipe open forever, so the wait is bounded, and the pipes are closed after it:
    // an open pipe would keep the runner's own process from ever exiting.
    await within(this.#closed, 1_000, undefined);
    for (const stream of parts.child.stdio) stream?.destroy();
    const breach = await parts.memory.finish();
    await parts.cleanup();
    return describeExit(code, signal, { sandboxed: this.sandboxed, breach });
  }

  stop(graceMs: number): Promise<{ exit: ExitInfo; killed: boolean }> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<{ exit: ExitInfo; killed: boolean }> {
    if (this.#hasExited) return { exit: await this.exited, killed: false };
    if (!(await this.#terminateApp())) {
      // No process of the app yet: nothing to drain, and no deadline to enforce.
      await this.kill();
      return { exit: await this.exited, killed: false };
    }
    if (await this.#exitsWithin(graceMs)) return { exit: await this.exited, killed: false };
    await this.kill();
    return { exit: await this.exited, killed: true };
  }

  /** SIGKILL to the whole allocation: for the deadline, the memory limit, and a stop with nothing to drain. */
  async kill(): Promise<void> {
    if (this.#hasExited) return;
    // bwrap writes the init's pid as soon as it has made it; a bwrap that has not made one yet is
    // given a moment to, since ending the sandbox through its init leaves nothing orphaned.
    const init = this.#init ? await within(this.#init, 250, null) : null;
    if (init) {
      await killSandboxInit(init, 2_000);
      if (await this.#exitsWithin(2_000)) return;
    }
    // Without the sandbox, or a bwrap with no sandbox yet, or one that did not exit after its init:
    // every group of the tree. An init that bwrap makes in the meantime is still in bwrap's group
    // (it leaves it only once bwrap lets it run, after reporting it), and #finish kills a reported one.
    for (const group of groupsOf(await processTree(this.#pid))) signalGroup(group, 'SIGKILL');
    signalGroup(this.#pid, 'SIGKILL');
  }

  /** SIGTERM to the app, for the drain. Resolves false when no process of the app runs yet. */
  async #terminateApp(): Promise<boolean> {
    if (!this.sandboxed) {
      signalGroup(this.#pid, 'SIGTERM');
      return true;
    }
    const tree = await processTree(this.#pid);
    const init = tree.find((stat) => stat.ppid === this.#pid);
    const app = init ? tree.filter((stat) => stat.pid !== this.#pid && stat.pid !== init.pid) : [];
    if (app.length === 0) return false;
    // The init is in the app's group too; as pid 1 of its namespace it ignores SIGTERM.
    for (const group of groupsOf(app)) signalGroup(group, 'SIGTERM');
    return true;
  }

  #exitsWithin(ms: number): Promise<boolean> {
    return within(this.#processExited.then(() => true), ms, false);
  }

  /**
   * CPU is the tree's utime+stime growth since the previous call, as a percent of one core; memory
   * is the tree's summed resident memory, the same figure the watchdog limits.
   */
  async stats(): Promise<AllocationStats> {
    if (this.#hasExited) return { cpuPercent: 0, memoryBytes: 0 };
    const tree = await processTree(this.#pid);
    const ticks = tree.reduce((sum, stat) => sum + stat.cpuTicks, 0);
    const now = Date.now();
    const seconds = (now - this.#lastCpu.at) / 1000;
    const cpuPercent = seconds > 0 ? Math.max(0, ((ticks - this.#lastCpu.ticks) / clockTicksPerSecond / seconds) * 100) : 0;
    this.#lastCpu = { ticks, at: now };
    return { cpuPercent: Math.round(cpuPercent * 10) / 10, memoryBytes: await treeResidentBytes(tree) };
  }
}

/** `promise`'s value, or `fallback` once `ms` have passed; the timer never outlives the answer. */
async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, fallback, { signal: timer.signal }).catch(() => fallback)]);
  } finally {
    timer.abort();
  }
}
