import type { MemoryBreach } from './exit-info.js';
import type { MemoryGuard } from './memory-limit.js';
import { processTree, treeResidentBytes } from './process-tree.js';

/** How often the tree's memory is sampled. An app can grow between samples, so this is a bound on how late the kill comes. */
export const watchdogIntervalMs = 250;

/**
 * The memory limit where no cgroup can be made (hybrid-cgroup hosts such as the project's, or a
 * runner without the right to create one). Every 250 ms it sums VmRSS over the allocation's
 * process tree and SIGKILLs the allocation when the sum passes the limit. It is coarser than the
 * kernel's: an app that allocates fast can overshoot by what it allocates in one interval, and
 * memory shared between processes is counted once per process.
 */
export class RssWatchdog implements MemoryGuard {
  readonly kind = 'watchdog' as const;
  readonly #limitBytes: number;
  #timer: NodeJS.Timeout | undefined;
  #breach: MemoryBreach | null = null;
  #sampling = false;

  constructor(limitBytes: number) {
    this.#limitBytes = limitBytes;
  }

  wrap(argv: readonly string[]): string[] {
    return [...argv];
  }

  watch(pid: number, kill: () => void): void {
    this.#timer = setInterval(() => void this.#sample(pid, kill), watchdogIntervalMs);
    // The watchdog alone must not keep a runner that is shutting down alive.
    this.#timer.unref();
  }

  async #sample(pid: number, kill: () => void): Promise<void> {
    // A slow /proc read must not pile up samples behind it.
    if (this.#sampling || this.#breach) return;
    this.#sampling = true;
    try {
      const usageBytes = await treeResidentBytes(await processTree(pid));
      if (usageBytes > this.#limitBytes && !this.#breach) {
        this.#breach = { usageBytes, limitBytes: this.#limitBytes };
        kill();
      }
    } finally {
      this.#sampling = false;
    }
  }

  async finish(): Promise<MemoryBreach | null> {
    clearInterval(this.#timer);
    return this.#breach;
  }
}
