import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AllocationStats, ExitInfo, RunningAllocation } from './driver.js';
import { describeExit } from './exit-info.js';
import type { MemoryGuard } from './memory-limit.js';
import { clockTicksPerSecond, groupsOf, processTree, signalGroup, treeResidentBytes } from './process-tree.js';

/** What the process driver hands over once the app's process is spawned. */
export interface ProcessAllocationParts {
  allocationId: string;
  address: { host: string; port: number };
  /** Spawned detached, so its pid is also the id of its process group. */
  child: ChildProcess;
  sandboxed: boolean;
  memory: MemoryGuard;
  /** Called once after the exit, before `exited` resolves: delivers buffered output and removes the working copy. */
  cleanup: () => Promise<void>;
}

/**
 * One running process allocation: a process tree that the runner signals, measures and waits for.
 *
 * Signals go to process groups, never to a single pid, so an app's workers stop with it. Without
 * the sandbox the app's shell leads the group the driver spawned. In the sandbox the spawned
 * process is bwrap, whose `--new-session` puts the app in a group of its own: SIGTERM goes to the
 * app's groups and not to bwrap, because bwrap does not forward it and its death would SIGKILL the
 * app (`--die-with-parent`) with no chance to drain. SIGKILL goes to every group of the tree.
 */
export class ProcessAllocation implements RunningAllocation {
  readonly allocationId: string;
  readonly address: { host: string; port: number };
  readonly sandboxed: boolean;
  readonly memoryLimit: 'cgroup' | 'watchdog';
  readonly exited: Promise<ExitInfo>;
  readonly #pid: number;
  readonly #processExited: Promise<void>;
  readonly #closed: Promise<void>;
  #hasExited = false;
  #stopping: Promise<{ exit: ExitInfo; killed: boolean }> | undefined;
  #lastCpu = { ticks: 0, at: Date.now() };

  constructor(parts: ProcessAllocationParts) {
    this.allocationId = parts.allocationId;
    this.address = parts.address;
    this.sandboxed = parts.sandboxed;
    this.memoryLimit = parts.memory.kind;
    this.#pid = parts.child.pid!;
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
    // Whatever the app left behind in its group (a daemonised worker) goes with it: its working
    // copy is about to be removed. In the sandbox the PID namespace has already seen to this.
    signalGroup(this.#pid, 'SIGKILL');
    // Output still in the pipes is delivered before the exit is announced; a grandchild that
    // escaped the group could hold a pipe open forever, so the wait is bounded.
    await Promise.race([this.#closed, sleep(1_000)]);
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
    await this.#signalApp('SIGTERM');
    const timeout = new AbortController();
    const inTime = await Promise.race([
      this.#processExited.then(() => true),
      sleep(graceMs, false, { signal: timeout.signal }).catch(() => false),
    ]);
    timeout.abort();
    if (inTime) return { exit: await this.exited, killed: false };
    await this.kill();
    return { exit: await this.exited, killed: true };
  }

  /** SIGKILL to every process group of the allocation: for the deadline and for the memory limit. */
  async kill(): Promise<void> {
    for (const group of groupsOf(await processTree(this.#pid))) signalGroup(group, 'SIGKILL');
    signalGroup(this.#pid, 'SIGKILL');
  }

  async #signalApp(signal: NodeJS.Signals): Promise<void> {
    if (!this.sandboxed) {
      signalGroup(this.#pid, signal);
      return;
    }
    const appGroups = groupsOf(await processTree(this.#pid)).filter((group) => group !== this.#pid);
    // Stopped so early that bwrap has not started the app yet: stopping bwrap takes the sandbox down.
    if (appGroups.length === 0) signalGroup(this.#pid, signal);
    for (const group of appGroups) signalGroup(group, signal);
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
