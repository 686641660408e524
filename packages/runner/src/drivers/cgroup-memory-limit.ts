import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemoryBreach } from './exit-info.js';
import type { MemoryGuard } from './memory-limit.js';

const cgroupRoot = '/sys/fs/cgroup';
const parentName = 'berth-runner';

// Probed once per runner: whether this host has a cgroup v2 hierarchy with the memory controller
// that the runner may create children in.
let parentDetection: Promise<string | null> | undefined;

/**
 * A cgroup v2 memory limit: the allocation runs in `/sys/fs/cgroup/berth-runner/<allocationId>`
 * with `memory.max` set, so the kernel enforces the limit exactly and no sampling can miss a spike.
 * `memory.oom.group` makes the kernel kill the whole allocation rather than one of its processes,
 * and swap is turned off for it so an app over its limit dies instead of thrashing.
 */
export class CgroupMemoryLimit implements MemoryGuard {
  readonly kind = 'cgroup' as const;
  readonly #path: string;
  readonly #limitBytes: number;

  private constructor(path: string, limitBytes: number) {
    this.#path = path;
    this.#limitBytes = limitBytes;
  }

  /** A limit for one allocation, or null when this host gives the runner no usable cgroup v2 memory controller. */
  static async create(allocationId: string, limitBytes: number): Promise<CgroupMemoryLimit | null> {
    parentDetection ??= prepareParent();
    const parent = await parentDetection;
    if (!parent) return null;
    const path = join(parent, allocationId);
    try {
      await mkdir(path, { recursive: true });
      await writeFile(join(path, 'memory.max'), String(limitBytes));
      await writeFile(join(path, 'memory.oom.group'), '1').catch(() => {});
      await writeFile(join(path, 'memory.swap.max'), '0').catch(() => {});
      return new CgroupMemoryLimit(path, limitBytes);
    } catch {
      await rmdir(path).catch(() => {});
      return null;
    }
  }

  /**
   * The spawned shell writes its own pid into cgroup.procs and only then execs the command, so
   * the app's first instruction already runs under the limit; moving it after spawn would leave a
   * window in which a fast app escapes.
   */
  wrap(argv: readonly string[]): string[] {
    return ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', join(this.#path, 'cgroup.procs'), ...argv];
  }

  watch(): void {
    // The kernel watches; nothing to do here.
  }

  async finish(): Promise<MemoryBreach | null> {
    const events = await readFile(join(this.#path, 'memory.events'), 'utf8').catch(() => '');
    const kills = Number(/^oom_kill (\d+)$/m.exec(events)?.[1] ?? 0);
    // memory.peak exists from Linux 5.19; before it the limit itself is the best statement of usage.
    const peak = Number(await readFile(join(this.#path, 'memory.peak'), 'utf8').catch(() => String(this.#limitBytes)));
    await this.#remove();
    return kills > 0 ? { usageBytes: Math.max(peak, this.#limitBytes), limitBytes: this.#limitBytes } : null;
  }

  /** A cgroup can only be removed once its last process is gone, which may lag the leader's exit a little. */
  async #remove(): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await rmdir(this.#path);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        await sleep(50);
      }
    }
  }
}

/**
 * Makes `/sys/fs/cgroup/berth-runner` with the memory controller enabled for its children. Any
 * refusal (no cgroup v2, a hybrid host whose v2 tree has no memory controller, no permission)
 * means the host has no usable cgroup and the watchdog is used instead.
 */
async function prepareParent(): Promise<string | null> {
  try {
    const controllers = await readFile(join(cgroupRoot, 'cgroup.controllers'), 'utf8');
    if (!controllers.split(/\s+/).includes('memory')) return null;
    const parent = join(cgroupRoot, parentName);
    await writeFile(join(cgroupRoot, 'cgroup.subtree_control'), '+memory').catch(() => {});
    await mkdir(parent, { recursive: true });
    await writeFile(join(parent, 'cgroup.subtree_control'), '+memory');
    const enabled = await readFile(join(parent, 'cgroup.subtree_control'), 'utf8');
    return enabled.split(/\s+/).includes('memory') ? parent : null;
  } catch {
    return null;
  }
}
