/**
 * A driver starts one allocation of an artifact and reports how it ends. Three implement it:
 * `process` (the default: the run command in a bubblewrap sandbox), `docker` (the Docker Engine API
 * over its unix socket, Docker or Podman), and `fake` (a real driver for tests that crashes, hangs,
 * exits or ignores SIGTERM on command). The allocation runner above it knows nothing of which.
 */

export interface AllocationSpec {
  allocationId: string;
  /** The verified artifact, unpacked. Never written to: the process driver copies it, docker mounts it read-only. */
  artifactDir: string;
  /** A folder of this allocation's own, removed when it stops; the process driver's working copy lives here. */
  workDir: string;
  /** `[run] command`, run with /bin/sh -c. */
  command: string;
  /** The port the app must listen on; also set as PORT in its environment. */
  port: number;
  /** The app's environment: the environment's secrets and BERTH_* variables. Never logged. */
  env: Record<string, string>;
  /** `[run] memory`: past it the allocation is stopped and ends in the OOM failure mode. */
  memoryBytes: number;
  /** `[run] image`, for the docker driver. */
  image?: string;
}

/** How an allocation ended. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** True when it was stopped for passing its memory limit. */
  oom: boolean;
  /** A sentence for the timeline: "exited with code 1", "killed: memory 600 MiB over the 512 MiB limit". */
  reason: string;
}

export interface AllocationStats {
  /** Percent of one core over the last sampling interval. */
  cpuPercent: number;
  memoryBytes: number;
}

export interface RunningAllocation {
  readonly allocationId: string;
  /** Where readiness probes and the edge reach the app. */
  readonly address: { host: string; port: number };
  /** Resolves once, when the process or container has exited, whoever stopped it. */
  readonly exited: Promise<ExitInfo>;
  /**
   * Whether the allocation runs isolated from the host (bubblewrap for the process driver). Absent
   * when the driver has no such notion; `false` says plainly that a process driver found no working
   * bwrap and runs the app unsandboxed.
   */
  readonly sandboxed?: boolean;
  /** How the memory limit is enforced: a cgroup's memory.max, or the runner's resident-memory watchdog. */
  readonly memoryLimit?: 'cgroup' | 'watchdog';
  stats(): Promise<AllocationStats>;
  /**
   * Sends SIGTERM, waits up to `graceMs` for the exit, then sends SIGKILL. `killed` says whether
   * the deadline had to be enforced. Resolves after the exit, never before.
   */
  stop(graceMs: number): Promise<{ exit: ExitInfo; killed: boolean }>;
}

export type OutputStream = 'stdout' | 'stderr';

export interface Driver {
  readonly name: 'process' | 'docker' | 'fake';
  /** Starts the allocation; `onOutput` receives its output a line at a time (lines capped at 8 KiB). */
  start(spec: AllocationSpec, onOutput: (stream: OutputStream, line: string) => void): Promise<RunningAllocation>;
}
