import type { RunnerMessage } from '@berth/core';
import type { ArtifactCache, ArtifactDownload } from '../artifacts/artifact-cache.js';
import type { Driver } from '../drivers/driver.js';
import type { ReportFn } from './report.js';

/** One line of an allocation's output, as the `allocation.logs` message carries it. */
export type LogLine = Extract<RunnerMessage, { type: 'allocation.logs' }>['lines'][number];

/** Everything an allocation runner needs from outside, in one typed object. */
export interface AllocRunnerDeps {
  driver: Driver;
  artifacts: ArtifactCache;
  /** Fetches an artifact's bytes by digest; the cache verifies them. */
  download: ArtifactDownload;
  /** Each allocation gets `<allocationsDir>/<allocationId>/` (its unpacked artifact and work folder), removed when it ends. */
  allocationsDir: string;
  /** Sends a report to the control plane; see ReportFn. */
  report: ReportFn;
  /** Receives the app's output, a batch every 200 ms. */
  onLog: (lines: LogLine[]) => void;
  /** The runner's own diagnostics (a refused report, a hook's unexpected error). Defaults to stderr. */
  log?: (line: string) => void;
  /** How long an allocation has to answer its health path 2xx. Default 60 s. */
  readinessTimeoutMs?: number;
  /** The pause between readiness attempts. Default 250 ms. */
  readinessIntervalMs?: number;
  /** Chooses a port for an assignment that names none. Default: a free port on 127.0.0.1. */
  choosePort?: () => Promise<number>;
}
