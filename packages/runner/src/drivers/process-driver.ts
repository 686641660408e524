import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { appEnvironment } from './app-environment.js';
import type { AllocationSpec, Driver, OutputStream, RunningAllocation } from './driver.js';
import { guardMemory, type MemoryLimitMode } from './memory-limit.js';
import { LineSplitter } from './output-lines.js';
import { ProcessAllocation } from './process-allocation.js';
import { bwrapPath, sandboxArgs } from './sandbox.js';
import { readSandboxInit } from './sandbox-init.js';
import { withParentDeathSignal } from './parent-death.js';
import { makeWorkingCopy, removeWorkingCopy } from './working-copy.js';

export interface ProcessDriverOptions {
  /** `auto` (the default) runs apps in bubblewrap when it works on this host; `off` never does. */
  sandbox?: 'auto' | 'off';
  /** `auto` (the default) uses a cgroup v2 memory.max when the host allows one; `watchdog` always samples RSS instead. */
  memoryLimit?: MemoryLimitMode;
  /**
   * Starts the allocation's top process: node's `spawn` unless a test wraps it, to act on the
   * child the moment it exists (before bwrap has made its sandbox).
   */
  spawn?: (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;
}

/**
 * The default driver: the artifact's `[run] command`, run with /bin/sh -c in a writable working
 * copy of the artifact, in a bubblewrap sandbox when this host has a working bwrap. Apps listen on
 * 127.0.0.1:<port>, where the readiness probe and the edge reach them.
 *
 * Without bwrap the app runs unsandboxed in its own process group, and the returned allocation
 * says so (`sandboxed: false`) so the runner can put it in the timeline.
 */
export class ProcessDriver implements Driver {
  readonly name = 'process' as const;
  readonly #options: Required<ProcessDriverOptions>;

  constructor(options: ProcessDriverOptions = {}) {
    this.#options = { sandbox: options.sandbox ?? 'auto', memoryLimit: options.memoryLimit ?? 'auto', spawn: options.spawn ?? spawn };
  }

  async start(spec: AllocationSpec, onOutput: (stream: OutputStream, line: string) => void): Promise<RunningAllocation> {
    const copy = await makeWorkingCopy(spec.artifactDir, spec.workDir);
    const bwrap = this.#options.sandbox === 'off' ? null : await bwrapPath();
    // In the sandbox /tmp is a private tmpfs; outside it the allocation gets a folder of its own.
    const env = appEnvironment(spec, { home: copy.home, tmp: bwrap ? '/tmp' : copy.tmp });
    // The shell stays alive until the app exits: a no-op TERM trap (not an ignore, which the app
    // would inherit) keeps dash from dying on the drain's SIGTERM while the app, which gets the
    // same signal through the process group, decides for itself how to finish.
    const shell = ['/bin/sh', '-c', `trap : TERM\n${spec.command}`];
    const memory = await guardMemory(spec.allocationId, spec.memoryBytes, this.#options.memoryLimit);
    const argv = await withParentDeathSignal(memory.wrap(bwrap ? [bwrap, ...sandboxArgs(copy, shell, { infoFd: 3 })] : shell));

    // Detached: the child leads a new process group, which is what stop() and the memory limit
    // signal, and a Ctrl-C in the runner's terminal does not reach the apps. In the sandbox, fd 3
    // carries bwrap's word on the sandbox's init (setpriv and the cgroup shell pass it through).
    const child = this.#options.spawn(argv[0]!, argv.slice(1), { cwd: copy.root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', bwrap ? 'pipe' : 'ignore'] });
    try {
      await once(child, 'spawn');
    } catch (error) {
      await memory.finish();
      await removeWorkingCopy(spec.workDir);
      throw new Error(`could not start ${argv[0]}: ${(error as Error).message}`, { cause: error });
    }

    const stdout = new LineSplitter((line) => onOutput('stdout', line));
    const stderr = new LineSplitter((line) => onOutput('stderr', line));
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));

    const allocation = new ProcessAllocation({
      allocationId: spec.allocationId,
      address: { host: '127.0.0.1', port: spec.port },
      child,
      sandboxInit: bwrap ? readSandboxInit(child.stdio[3] as Readable) : null,
      memory,
      cleanup: async () => {
        stdout.end();
        stderr.end();
        await removeWorkingCopy(spec.workDir);
      },
    });
    memory.watch(child.pid!, () => void allocation.kill());
    return allocation;
  }
}
