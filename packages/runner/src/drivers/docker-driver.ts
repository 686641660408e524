import { setTimeout as sleep } from 'node:timers/promises';
import { appEnvironment } from './app-environment.js';
import { DockerApi, DockerApiError, cpuPercent, type ContainerCreateBody, type CpuStats } from './docker-api.js';
import type { AllocationSpec, AllocationStats, Driver, ExitInfo, OutputStream, RunningAllocation } from './driver.js';
import { describeExit, formatMiB, type MemoryBreach } from './exit-info.js';
import type { MemoryLimitMode } from './memory-limit.js';
import { LineSplitter } from './output-lines.js';

/** The image an allocation runs in when its manifest names none: node and /bin/sh, nothing else. */
export const defaultDockerImage = 'localhost/berth-node:20';

export interface DockerDriverOptions {
  /** The engine's unix socket: /var/run/docker.sock, or the one `podman system service` listens on. */
  socketPath: string;
  /** The image for allocations whose manifest names none; `localhost/berth-node:20` by default. */
  defaultImage?: string;
  /**
   * `auto` (the default) has the kernel enforce `[run] memory` (HostConfig.Memory) and checks, from
   * the first stats sample, that the engine applied it; where it did not, and with `watchdog`, a
   * stats watchdog kills the container past the limit, as the process driver's RSS watchdog does.
   */
  memoryLimit?: MemoryLimitMode;
  /** How often the watchdog samples the container's memory. */
  watchdogIntervalMs?: number;
}

/**
 * The run command goes through this script rather than straight to `/bin/sh -c`. A container's
 * first process is PID 1, and PID 1 receives no signal it has no handler for: a plain `sh -c
 * "node server.js"` (dash forks node rather than exec'ing it) swallowed the engine's SIGTERM, so
 * every stop ran to the deadline and no app could drain. Here PID 1 traps SIGTERM and passes it to
 * every process in the container (`kill -1` spares PID 1 itself). The inner shell's no-op trap,
 * set on the command's own line so error messages keep its line numbers, keeps that shell alive to
 * wait for the app. The trap interrupts PID 1's `wait` (status 143), so PID 1 waits again for the
 * real status; 127 then means the first wait had already collected it. An app that ignores
 * SIGTERM runs until the engine's SIGKILL at the deadline.
 */
const signalForwarder = `trap 'stopping=1; kill -TERM -1 2>/dev/null' TERM INT
/bin/sh -c "trap : TERM INT; $1" &
child=$!
stopping=
wait "$child"; status=$?
while [ -n "$stopping" ]; do
  stopping=
  wait "$child"; next=$?
  [ "$next" -eq 127 ] && break
  status=$next
done
exit "$status"`;

/**
 * Runs allocations as containers through the Docker Engine API (Docker, or Podman's compatible
 * service): the artifact mounted read-only at /app, a tmpfs at /tmp, host networking so the app
 * listens on 127.0.0.1:<port> like a process allocation, and the container removed after its exit.
 */
export class DockerDriver implements Driver {
  readonly name = 'docker' as const;
  readonly api: DockerApi;
  readonly #options: DockerDriverOptions;

  constructor(options: DockerDriverOptions) {
    this.#options = options;
    this.api = new DockerApi({ socketPath: options.socketPath });
  }

  async start(spec: AllocationSpec, onOutput: (stream: OutputStream, line: string) => void): Promise<RunningAllocation> {
    const watchdogOnly = this.#options.memoryLimit === 'watchdog';
    const image = spec.image ?? this.#options.defaultImage ?? defaultDockerImage;
    const { Id: id } = await this.#createReplacingStale(containerName(spec.allocationId), containerBody(spec, image, !watchdogOnly));
    try {
      await this.api.startContainer(id);
    } catch (error) {
      await this.api.removeContainer(id, { force: true }).catch(() => undefined);
      throw error;
    }
    const startedAt = Date.now();
    const memoryLimit = watchdogOnly ? 'watchdog' : await this.#kernelLimitHolds(id, spec.memoryBytes);
    return new DockerAllocation(this.api, id, spec, onOutput, {
      startedAt,
      memoryLimit,
      watchdogIntervalMs: this.#options.watchdogIntervalMs ?? 250,
    });
  }

  /**
   * Whether the engine applied HostConfig.Memory: on a host without a usable memory controller the
   * limit a stats sample shows is the host's memory, or none. A container that has already exited
   * has nothing left to limit, and the limit was asked for: 'cgroup'.
   */
  async #kernelLimitHolds(id: string, limitBytes: number): Promise<'cgroup' | 'watchdog'> {
    const stats = await this.api.containerStats(id).catch(() => undefined);
    if (!stats) return 'cgroup';
    const { limit } = stats.memory_stats;
    return limit !== undefined && limit > 0 && limit <= limitBytes ? 'cgroup' : 'watchdog';
  }

  /** Allocation ids are unique, so a container of the same name is a leftover of this allocation's own earlier attempt. */
  async #createReplacingStale(name: string, body: ContainerCreateBody): Promise<{ Id: string }> {
    try {
      return await this.api.createContainer(name, body);
    } catch (error) {
      if (!(error instanceof DockerApiError) || error.status !== 409) throw error;
      await this.api.removeContainer(name, { force: true });
      return this.api.createContainer(name, body);
    }
  }
}

export function containerName(allocationId: string): string {
  return `berth-${allocationId}`;
}

function containerBody(spec: AllocationSpec, image: string, kernelMemoryLimit: boolean): ContainerCreateBody {
  const env = appEnvironment(spec, { home: '/tmp', tmp: '/tmp' });
  return {
    Image: image,
    Cmd: ['/bin/sh', '-c', signalForwarder, 'berth-run', spec.command],
    WorkingDir: '/app',
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: { 'berth.allocation': spec.allocationId },
    Tty: false,
    HostConfig: {
      // Read-only: the artifact is the verified bytes, shared by allocations of the same digest.
      // An app writes to /tmp, a tmpfs whose pages count against its memory limit.
      Binds: [`${spec.artifactDir}:/app:ro`],
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,mode=1777' },
      NetworkMode: 'host',
      // Swap equal to memory means no swap: past the limit is an OOM kill, not a slow crawl.
      ...(kernelMemoryLimit ? { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes } : {}),
      RestartPolicy: { Name: 'no' },
    },
  };
}

interface DockerAllocationOptions {
  startedAt: number;
  memoryLimit: 'cgroup' | 'watchdog';
  watchdogIntervalMs: number;
}

class DockerAllocation implements RunningAllocation {
  readonly allocationId: string;
  readonly address: { host: string; port: number };
  readonly memoryLimit: 'cgroup' | 'watchdog';
  readonly exited: Promise<ExitInfo>;
  readonly #api: DockerApi;
  readonly #id: string;
  readonly #limitBytes: number;
  readonly #startedAt: number;
  readonly #logsAbort = new AbortController();
  readonly #watchdogAbort = new AbortController();
  #hasExited = false;
  #previousCpu: CpuStats | undefined;
  #stopping: Promise<{ exit: ExitInfo; killed: boolean }> | undefined;
  /** The grace a stop gave a container it found running, in seconds. */
  #stopGraceSeconds: number | undefined;
  #breach: MemoryBreach | null = null;
  /** The container's exit code as the engine reports it (137 for SIGKILL). */
  #exitCode: number | null = null;

  constructor(api: DockerApi, id: string, spec: AllocationSpec, onOutput: (stream: OutputStream, line: string) => void, options: DockerAllocationOptions) {
    this.allocationId = spec.allocationId;
    this.address = { host: '127.0.0.1', port: spec.port };
    this.memoryLimit = options.memoryLimit;
    this.#api = api;
    this.#id = id;
    this.#limitBytes = spec.memoryBytes;
    this.#startedAt = options.startedAt;
    const lines = { stdout: new LineSplitter((line) => onOutput('stdout', line)), stderr: new LineSplitter((line) => onOutput('stderr', line)) };
    const logsDone = api.followLogs(id, (stream, data) => lines[stream].push(data), this.#logsAbort.signal).catch(() => undefined);
    if (options.memoryLimit === 'watchdog') void this.#watchMemory(options.watchdogIntervalMs);
    this.exited = this.#awaitExit(logsDone).finally(() => {
      lines.stdout.end();
      lines.stderr.end();
    });
  }

  async stats(): Promise<AllocationStats> {
    if (this.#hasExited) return { cpuPercent: 0, memoryBytes: 0 };
    const stats = await this.#api.containerStats(this.#id);
    // Docker fills precpu_stats with the sample before; Podman's one-shot read leaves it empty, so
    // the previous call's sample serves, and the first call measures from the container's start.
    const before = stats.precpu_stats.system_cpu_usage ? stats.precpu_stats : this.#previousCpu;
    this.#previousCpu = stats.cpu_stats;
    const sinceStartNs = (Date.now() - this.#startedAt) * 1e6;
    const percent = before ? cpuPercent(stats.cpu_stats, before) : sinceStartNs > 0 ? (stats.cpu_stats.cpu_usage.total_usage / sinceStartNs) * 100 : 0;
    return { cpuPercent: Math.round(percent * 10) / 10, memoryBytes: memoryUsage(stats.memory_stats) };
  }

  stop(graceMs: number): Promise<{ exit: ExitInfo; killed: boolean }> {
    // A second stop attaches to the first: one SIGTERM, one deadline.
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<{ exit: ExitInfo; killed: boolean }> {
    if (this.#hasExited) return { exit: await this.exited, killed: false };
    const seconds = Math.max(0, Math.ceil(graceMs / 1000));
    // Recorded before the call: the exit is handled while the engine is still answering it.
    this.#stopGraceSeconds = seconds;
    try {
      // The engine sends SIGTERM, then SIGKILL after `seconds`, and answers once it has stopped.
      if (!(await this.#api.stopContainer(this.#id, seconds))) this.#stopGraceSeconds = undefined;
    } catch (error) {
      if (error instanceof DockerApiError && error.status === 404) this.#stopGraceSeconds = undefined;
      else await this.#api.killContainer(this.#id, 'SIGKILL').catch(() => undefined);
    }
    const exit = await this.exited;
    // SIGKILL comes from the engine only at the deadline: an exit by SIGKILL after a stop that found
    // the container running is an app that did not exit by itself in time.
    return { exit, killed: this.#stopGraceSeconds !== undefined && this.#exitCode === 137 };
  }

  async #awaitExit(logsDone: Promise<void>): Promise<ExitInfo> {
    let oomKilled = false;
    try {
      this.#exitCode = await this.#waitUntilNotRunning();
      const inspected = await this.#api.inspectContainer(this.#id).catch(() => undefined);
      if (inspected) {
        this.#exitCode = inspected.State.ExitCode;
        oomKilled = inspected.State.OOMKilled;
      }
    } catch {
      // The engine lost the container (removed from outside): it has ended all the same.
    }
    this.#hasExited = true;
    this.#watchdogAbort.abort();
    // The log stream ends with the container; its last lines get a moment, then it is cut.
    await Promise.race([logsDone, sleep(2000)]);
    this.#logsAbort.abort();
    await this.#api.removeContainer(this.#id, { force: true }).catch(() => undefined);
    return this.#describe(oomKilled);
  }

  /** The exit code from the wait call, or null when the container vanished. */
  async #waitUntilNotRunning(): Promise<number | null> {
    for (;;) {
      try {
        return (await this.#api.waitContainer(this.#id)).StatusCode;
      } catch (error) {
        if (error instanceof DockerApiError && error.status === 404) return null;
      }
      // The connection broke (the engine restarting?): look, and wait again while it still runs.
      await sleep(1000);
      try {
        if (!(await this.#api.inspectContainer(this.#id)).State.Running) return null;
      } catch (error) {
        if (error instanceof DockerApiError && error.status === 404) return null;
      }
    }
  }

  #describe(oomKilled: boolean): ExitInfo {
    const code = this.#exitCode;
    // Code 128 + n is how the engine reports death by signal n, as bwrap does for the process driver.
    const exit = describeExit(code, null, { sandboxed: true, breach: this.#breach });
    if (code === null && exit.signal === null) return { ...exit, reason: 'the container disappeared from the engine' };
    // Podman 4 never sets State.OOMKilled (containers/podman#13102, fixed in 5.0), although the
    // kernel does kill at the limit. Nothing else sends an app SIGKILL: when neither a stop nor the
    // watchdog did, under a kernel limit, the SIGKILL was the memory cgroup's.
    const unexplainedKill = code === 137 && this.#stopGraceSeconds === undefined && this.#breach === null;
    if (oomKilled || (unexplainedKill && this.memoryLimit === 'cgroup')) {
      return { ...exit, oom: true, reason: `killed: out of memory at the ${formatMiB(this.#limitBytes)} limit` };
    }
    if (code === 137 && this.#stopGraceSeconds !== undefined) {
      return { ...exit, reason: `${exit.reason}: still running ${this.#stopGraceSeconds} s after SIGTERM` };
    }
    return exit;
  }

  /** Samples the container's memory and kills it past the limit, for engines that cannot hold it. */
  async #watchMemory(intervalMs: number): Promise<void> {
    const signal = this.#watchdogAbort.signal;
    try {
      while (!signal.aborted) {
        const usageBytes = memoryUsage((await this.#api.containerStats(this.#id)).memory_stats);
        if (usageBytes > this.#limitBytes) {
          this.#breach = { usageBytes, limitBytes: this.#limitBytes };
          await this.#api.killContainer(this.#id, 'SIGKILL');
          return;
        }
        await sleep(intervalMs, undefined, { signal });
      }
    } catch {
      // The container ended (stats refused) or the watchdog was stopped: nothing left to watch.
    }
  }
}

/** Usage without the page cache the kernel would reclaim first, as `docker stats` shows it. */
function memoryUsage(stats: { usage?: number; stats?: Record<string, number> }): number {
  const usage = stats.usage ?? 0;
  const cache = stats.stats?.['total_inactive_file'] ?? stats.stats?.['inactive_file'] ?? 0;
  return cache < usage ? usage - cache : usage;
}
