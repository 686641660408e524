import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { AllocRunner } from '../alloc-runner/alloc-runner.js';
import { ArtifactCache } from '../artifacts/artifact-cache.js';
import { DockerDriver } from '../drivers/docker-driver.js';
import type { Driver } from '../drivers/driver.js';
import { FakeDriver } from '../drivers/fake-driver.js';
import { ProcessDriver } from '../drivers/process-driver.js';
import { RunnerAgent } from './runner-agent.js';

export const runnerVersion = '0.1.0';

export interface RunnerConfig {
  apiUrl: string;
  joinToken: string;
  /** Where the artifact cache and the allocations' folders live. */
  dataDir: string;
  name?: string;
  region?: string;
  labels?: Record<string, string>;
  /** Capacity offered to the scheduler; defaults to this machine's. */
  capacity?: { cpus: number; memoryBytes: number };
  driver?: 'process' | 'docker' | 'fake';
  /** For the docker driver: the engine's unix socket. */
  dockerSocket?: string;
  readinessTimeoutMs?: number;
  log: (line: string) => void;
}

function makeDriver(config: RunnerConfig): Driver {
  switch (config.driver ?? 'process') {
    case 'docker':
      return new DockerDriver({ socketPath: config.dockerSocket ?? '/var/run/docker.sock' });
    case 'fake':
      return new FakeDriver();
    default:
      return new ProcessDriver();
  }
}

/**
 * A runner: the agent wired to the allocation runner, a driver and an artifact cache. `berth
 * runner` runs one on its host; `berth up` runs one in-process, over the same protocol.
 */
export async function startRunner(config: RunnerConfig): Promise<RunnerAgent> {
  const driver = makeDriver(config);
  const artifacts = new ArtifactCache(join(config.dataDir, 'artifacts'));
  const agent = new RunnerAgent({
    apiUrl: config.apiUrl,
    joinToken: config.joinToken,
    name: config.name ?? hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-'),
    region: config.region ?? 'default',
    labels: config.labels ?? {},
    capacity: config.capacity ?? { cpus: cpus().length, memoryBytes: totalmem() },
    runnerVersion,
    log: config.log,
    startAllocation(assignment, io) {
      const runner = new AllocRunner(assignment, {
        driver,
        artifacts,
        download: io.download,
        allocationsDir: join(config.dataDir, 'allocations'),
        report: io.report,
        onLog: io.logs,
        log: config.log,
        ...(config.readinessTimeoutMs ? { readinessTimeoutMs: config.readinessTimeoutMs } : {}),
      });
      void runner.start().catch((error) => config.log(`allocation ${assignment.allocationId}: ${(error as Error).message}`));
      return runner;
    },
  });
  await agent.start();
  return agent;
}
