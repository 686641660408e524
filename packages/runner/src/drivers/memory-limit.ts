import { CgroupMemoryLimit } from './cgroup-memory-limit.js';
import type { MemoryBreach } from './exit-info.js';
import { RssWatchdog } from './rss-watchdog.js';

/**
 * Keeps one allocation under its `[run] memory` limit. Two implement it: a cgroup v2 memory.max,
 * which the kernel enforces exactly, where the runner may create cgroups; otherwise a watchdog that
 * samples the process tree's resident memory and kills the allocation when it passes the limit.
 * Either way an allocation over its limit ends with `oom: true`, the OOM failure mode.
 */
export interface MemoryGuard {
  readonly kind: 'cgroup' | 'watchdog';
  /** The command line that joins the limit before the app starts (the cgroup is joined before exec). */
  wrap(argv: readonly string[]): string[];
  /** Starts guarding the spawned tree rooted at `pid`; `kill` ends the whole allocation at once. */
  watch(pid: number, kill: () => void): void;
  /** Called once after the exit: stops watching, frees what it holds, and says whether the limit ended the allocation. */
  finish(): Promise<MemoryBreach | null>;
}

export type MemoryLimitMode = 'auto' | 'watchdog';

/** A cgroup when the host allows one (mode `auto`), else the watchdog. */
export async function guardMemory(allocationId: string, limitBytes: number, mode: MemoryLimitMode): Promise<MemoryGuard> {
  if (mode === 'auto') {
    const cgroup = await CgroupMemoryLimit.create(allocationId, limitBytes);
    if (cgroup) return cgroup;
  }
  return new RssWatchdog(limitBytes);
}
