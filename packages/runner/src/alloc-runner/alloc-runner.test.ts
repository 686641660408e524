import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { describeProcesses, liveProcessesOf } from '../test-support/live-processes.js';
import type { RecordingControlPlane } from '../test-support/recording-control-plane.js';
import { runnerFixture, type RunnerFixture } from '../test-support/runner-fixture.js';
import type { AllocRunner } from './alloc-runner.js';

let fixture: RunnerFixture;
before(async () => {
  fixture = await runnerFixture();
});
after(() => fixture.remove());

test('planned → pulling → starting → ready, then a drain: draining → stopped', async () => {
  const { runner, controlPlane } = fixture.runner('full', { port: undefined });
  assert.equal(await runner.start(), 'ready');
  assert.deepEqual(controlPlane.path, ['planned', 'pulling', 'starting', 'ready']);
  // Each report acts on the version the previous acceptance returned.
  assert.deepEqual(controlPlane.reports.map((report) => report.version), [1, 2, 3]);
  assert.equal(runner.version, 4);

  const starting = controlPlane.reportInto('starting')!;
  assert.deepEqual(starting.gates?.map((gate) => [gate.gate, gate.status]), [['artifact digest verified', 'pass'], ['env/secrets mounted', 'pass']]);
  const ready = controlPlane.reportInto('ready')!;
  assert.deepEqual(ready.address, runner.address);
  const readiness = ready.gates?.[0];
  assert.equal(readiness?.gate, 'health/readiness pass');
  assert.equal(readiness?.evidence.status, 200);
  assert.ok(Number(readiness?.evidence.attempts) >= 1);
  assert.equal(typeof readiness?.evidence.elapsedMs, 'number');

  const body = await (await fetch(`http://${runner.address!.host}:${runner.address!.port}/`)).text();
  assert.equal(body, 'fake alloc_full');
  assert.ok((await runner.stats()).memoryBytes > 0);

  await runner.stop(2_000, 'a newer deployment replaced it');
  const outcome = await runner.outcome;
  assert.deepEqual(outcome, { state: 'stopped', version: 6 });
  assert.deepEqual(controlPlane.path, ['planned', 'pulling', 'starting', 'ready', 'draining', 'stopped']);
  const stopped = controlPlane.reportInto('stopped')!;
  assert.equal(stopped.gates?.[0]?.gate, 'drain deadline respected');
  assert.equal(stopped.evidence?.killed, false);
  assert.match(stopped.sentence, /^stopped: exited with code 0 within the 2 s deadline$/);
  await assert.rejects(stat(join(fixture.dir, 'allocations', 'alloc_full')), { code: 'ENOENT' });
  assert.ok(fixture.logs.some((line) => line.text === `fake alloc_full listening on 127.0.0.1:${runner.address!.port}`));
});

test('an app that ignores SIGTERM is killed at the drain deadline, and the sentence says so', async () => {
  const { runner, controlPlane } = fixture.runner('stubborn', { env: { BERTH_FAKE: 'ignore-sigterm' } });
  assert.equal(await runner.start(), 'ready');
  await runner.stop(500, 'scaled down');
  const outcome = await runner.outcome;
  assert.equal(outcome.state, 'stopped');
  const stopped = controlPlane.reportInto('stopped')!;
  assert.equal(stopped.sentence, 'stopped: ignored SIGTERM; killed at the 500 ms deadline');
  assert.deepEqual({ deadlineMs: stopped.evidence?.deadlineMs, killed: stopped.evidence?.killed }, { deadlineMs: 500, killed: true });
  assert.equal(stopped.gates?.[0]?.status, 'pass');
});

test('a missing secret fails the allocation with "secret missing" before anything starts', async () => {
  const before = fixture.started.length;
  const { runner, controlPlane } = fixture.runner('secretless', { missingSecrets: ['STRIPE_KEY', 'DATABASE_URL'] });
  assert.equal(await runner.start(), 'failed');
  assert.deepEqual(controlPlane.path, ['planned', 'pulling', 'failed']);
  const failed = controlPlane.reportInto('failed')!;
  assert.equal(failed.failureMode, 'secret missing');
  assert.deepEqual(failed.evidence, { missing: ['DATABASE_URL', 'STRIPE_KEY'] });
  assert.equal(failed.sentence, 'secret missing: DATABASE_URL, STRIPE_KEY are not set for this environment');
  assert.deepEqual(failed.gates?.map((gate) => [gate.gate, gate.status]), [['env/secrets mounted', 'fail']]);
  assert.equal(fixture.started.length, before);
  assert.equal((await runner.outcome).state, 'failed');
});

test('a tampered artifact fails the digest gate and never starts', async () => {
  const before = fixture.started.length;
  const { runner, controlPlane } = fixture.runner('tampered', {}, { tamper: true });
  assert.equal(await runner.start(), 'failed');
  const failed = controlPlane.reportInto('failed')!;
  const gate = failed.gates?.[0];
  assert.equal(gate?.gate, 'artifact digest verified');
  assert.equal(gate?.status, 'fail');
  assert.equal(gate?.evidence.expected, fixture.digest);
  assert.match(String(gate?.evidence.actual), /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(gate?.evidence.actual, fixture.digest);
  assert.equal(fixture.started.length, before);
});

test('a process that crashes after it was ready fails the allocation with its exit', async () => {
  const { runner, controlPlane } = fixture.runner('crashes', { env: { BERTH_FAKE: 'crash-after:1500' } });
  assert.equal(await runner.start(), 'ready');
  const outcome = await runner.outcome;
  assert.equal(outcome.state, 'failed');
  const failed = controlPlane.reportInto('failed')!;
  assert.equal(failed.failureMode, undefined);
  assert.deepEqual({ code: failed.evidence?.code, signal: failed.evidence?.signal }, { code: 1, signal: null });
  assert.equal(failed.sentence, 'the process exited with code 1 while it was ready');
});

test('a process past its memory limit fails the allocation as OOM', async () => {
  const { runner, controlPlane } = fixture.runner('hog', { env: { BERTH_FAKE: 'oom:400' }, memoryBytes: 128 * 2 ** 20 });
  await runner.start();
  const outcome = await runner.outcome;
  assert.equal(outcome.state, 'failed');
  const failed = controlPlane.reportInto('failed')!;
  assert.equal(failed.failureMode, 'OOM');
  assert.match(failed.sentence, /^OOM( before it was ready)?: killed: memory \d+ MiB over the 128 MiB limit$/);
});

test('a refused report stops the allocation\'s process and ends the runner', async () => {
  const { runner, controlPlane } = fixture.runner('superseded');
  controlPlane.refuseWhen = (report) => (report.to === 'ready' ? 'the allocation was superseded by alloc_newer' : undefined);
  await runner.start();
  const outcome = await runner.outcome;
  assert.deepEqual(outcome, { state: 'starting', version: 3, refused: 'the allocation was superseded by alloc_newer' });
  const running = fixture.started.at(-1)!;
  // Its process has exited (the port itself may already serve another test's process).
  const exit = await running.exited;
  assert.ok(exit.reason.length > 0);
  assert.ok(fixture.diagnostics.some((line) => line.includes('alloc_superseded') && line.includes('report refused')));
  // Nothing more was reported after the refusal.
  assert.equal(controlPlane.reports.at(-1)?.to, 'ready');
});

test('a stop while the app is still warming up cancels it: failed, with its process stopped', async () => {
  const { runner, controlPlane } = fixture.runner('cancelled', { env: { BERTH_FAKE: 'late-ready:60000' } });
  const starting = runner.start();
  await eventually(() => fixture.started.some((running) => running.allocationId === 'alloc_cancelled'));
  await runner.stop(1_000, 'the deploy was cancelled');
  const outcome = await runner.outcome;
  assert.equal(outcome.state, 'failed');
  assert.equal(await starting, 'failed');
  assert.equal(controlPlane.reportInto('failed')?.sentence, 'cancelled while starting: the deploy was cancelled');
  const running = fixture.started.find((started) => started.allocationId === 'alloc_cancelled')!;
  // The process has exited (checked on the process itself: its port may already serve another
  // test's process on a busy machine).
  const exited = await Promise.race([running.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000))]);
  assert.equal(exited, true, 'the process was stopped');
  assert.equal(controlPlane.reportInto('failed')?.evidence?.killed, false);
  // And the host agrees: nothing of the allocation runs, its sandbox included.
  const left = liveProcessesOf(fixture.allocationDir('cancelled'));
  assert.equal(left.length, 0, `still running:\n${describeProcesses(left)}`);
});

test('a stop at any point of the start or the readiness wait leaves no process of the allocation running', async () => {
  // Each point is a moment the stop can arrive at: with the start, at each report on the way, the
  // moment the driver has spawned the sandbox, and into the readiness wait.
  const points: Array<{ name: string; arm: (runner: AllocRunner, controlPlane: RecordingControlPlane) => Promise<void> | void }> = [
    { name: 'with-start', arm: (runner) => void runner.stop(1_000, 'cancelled') },
    ...(['pulling', 'starting'] as const).map((state) => ({
      name: `at-${state}`,
      arm: (runner: AllocRunner, controlPlane: RecordingControlPlane) => {
        controlPlane.refuseWhen = (report) => {
          if (report.to === state) void runner.stop(1_000, 'cancelled');
          return undefined;
        };
      },
    })),
    { name: 'at-spawn', arm: (runner) => void (fixture.onStarted = () => void runner.stop(1_000, 'cancelled')) },
    ...[0, 20, 100, 300].map((ms) => ({
      name: `readiness-${ms}`,
      arm: (runner: AllocRunner) => void (fixture.onStarted = () => void setTimeout(() => void runner.stop(1_000, 'cancelled'), ms)),
    })),
  ];
  try {
    for (const point of points) {
      const { runner, controlPlane } = fixture.runner(point.name, { env: { BERTH_FAKE: 'late-ready:60000' } });
      const starting = runner.start();
      await point.arm(runner, controlPlane);
      const outcome = await runner.outcome;
      assert.ok(['stopped', 'failed'].includes(outcome.state), `${point.name}: ended ${outcome.state}`);
      assert.ok(['stopped', 'failed'].includes(await starting), point.name);
      fixture.onStarted = undefined;
      const left = liveProcessesOf(fixture.allocationDir(point.name));
      assert.equal(left.length, 0, `${point.name}: still running after the stop:\n${describeProcesses(left)}`);
    }
  } finally {
    fixture.onStarted = undefined;
  }
});

test('a stop before the runner started stops a planned allocation with nothing to drain', async () => {
  const { runner, controlPlane } = fixture.runner('never-started');
  await runner.stop(1_000, 'cancelled before placement');
  const outcome = await runner.outcome;
  assert.equal(outcome.state, 'stopped');
  assert.deepEqual(controlPlane.path, ['planned', 'stopped']);
  assert.equal(controlPlane.reportInto('stopped')?.gates?.[0]?.evidence.nothingToDrain, true);
});
