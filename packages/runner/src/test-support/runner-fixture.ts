import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { AllocationAssignment } from '@berth/core';
import { tempDir } from '@berth/testkit';
import { AllocRunner } from '../alloc-runner/alloc-runner.js';
import type { AllocRunnerDeps, LogLine } from '../alloc-runner/deps.js';
import { ArtifactCache } from '../artifacts/artifact-cache.js';
import type { Driver, RunningAllocation } from '../drivers/driver.js';
import { FakeDriver } from '../drivers/fake-driver.js';
import { killLeftovers } from './live-processes.js';
import { RecordingControlPlane } from './recording-control-plane.js';

/**
 * Everything an alloc-runner test needs, on real processes: an artifact tarball and its digest, a
 * cache, the fake driver (recording what it started), a recording control plane, and the logs.
 */
export interface RunnerFixture {
  dir: string;
  digest: string;
  /** Every allocation the driver started, so a test can check its process really ended. */
  started: RunningAllocation[];
  logs: LogLine[];
  diagnostics: string[];
  /** Called with each allocation as soon as the driver has started it, to stop it at that very point. */
  onStarted: ((running: RunningAllocation) => void) | undefined;
  /** Makes a runner for an assignment built from `overrides`, with its own recording control plane. */
  runner(name: string, overrides?: Partial<AllocationAssignment>, options?: { tamper?: boolean }): { runner: AllocRunner; controlPlane: RecordingControlPlane };
  /** The folder of the runner called `name`; it names every process of that allocation (see live-processes.ts). */
  allocationDir(name: string): string;
  /**
   * Stops every runner and every process the fixture started, kills whatever of them is still
   * alive, and deletes the folder. A test that failed halfway may have left an allocation running,
   * and a running allocation would keep the test file from ever exiting.
   */
  remove(): Promise<void>;
}

export async function runnerFixture(): Promise<RunnerFixture> {
  const temp = await tempDir('berth-alloc-runner-');
  const source = join(temp.path, 'source');
  await mkdir(source);
  await writeFile(join(source, 'index.txt'), 'the built app\n');
  const tarball = join(temp.path, 'artifact.tar');
  execFileSync('tar', ['-cf', tarball, '-C', source, '.']);
  const digest = `sha256:${createHash('sha256').update(await readFile(tarball)).digest('hex')}`;

  const started: RunningAllocation[] = [];
  const runners: AllocRunner[] = [];
  const logs: LogLine[] = [];
  const diagnostics: string[] = [];
  const fake = new FakeDriver();
  const fixture: RunnerFixture = {
    dir: temp.path,
    digest,
    started,
    logs,
    diagnostics,
    onStarted: undefined,
    runner,
    allocationDir: (name) => join(temp.path, 'allocations', `alloc_${name}`),
    async remove() {
      await bounded(Promise.allSettled(runners.map((runner) => runner.stop(500, 'the test file is done'))), 15_000);
      await bounded(Promise.allSettled(started.map((running) => running.stop(500))), 5_000);
      killLeftovers(temp.path, 'runner fixture');
      await temp.remove();
    },
  };
  const driver: Driver = {
    name: 'fake',
    async start(spec, onOutput) {
      const running = await fake.start(spec, onOutput);
      started.push(running);
      fixture.onStarted?.(running);
      return running;
    },
  };
  return fixture;

  function runner(name: string, overrides: Partial<AllocationAssignment> = {}, options: { tamper?: boolean } = {}): { runner: AllocRunner; controlPlane: RecordingControlPlane } {
    const controlPlane = new RecordingControlPlane(overrides.version ?? 1);
    const deps: AllocRunnerDeps = {
      driver,
      // A cache per runner, so a tampered download in one test cannot meet a good copy from another.
      artifacts: new ArtifactCache(join(temp.path, 'cache', name)),
      download: async () => (options.tamper ? Readable.from([Buffer.from('not the bytes that were built')]) : createReadStream(tarball)),
      allocationsDir: join(temp.path, 'allocations'),
      report: controlPlane.report,
      onLog: (lines) => logs.push(...lines),
      log: (line) => diagnostics.push(line),
      readinessTimeoutMs: 10_000,
      readinessIntervalMs: 50,
    };
    const assignment: AllocationAssignment = {
      allocationId: `alloc_${name}`,
      version: 1,
      deploymentId: 'dep_test',
      digest,
      command: 'run by the fake driver',
      health: '/healthz',
      memoryBytes: 256 * 2 ** 20,
      drainTimeoutMs: 2_000,
      env: {},
      missingSecrets: [],
      ...overrides,
    };
    const allocRunner = new AllocRunner(assignment, deps);
    runners.push(allocRunner);
    return { runner: allocRunner, controlPlane };
  }
}

/** Waits for `promise`, but no longer than `ms`: cleanup must not hang on what it cleans up. */
async function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
