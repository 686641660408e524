import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, tempDir } from '@berth/testkit';
import { freePort } from '../alloc-runner/free-port.js';
import { killLeftovers } from '../test-support/live-processes.js';
import { getJson, writeTestApp } from '../test-support/test-app.js';
import type { AllocationSpec } from './driver.js';
import { ProcessDriver } from './process-driver.js';

let dir: { path: string; remove: () => Promise<void> };
let app: { artifactDir: string; command: string };

before(async () => {
  dir = await tempDir('berth-stop-memory-');
  app = await writeTestApp(join(dir.path, 'artifact'));
});
after(async () => {
  killLeftovers(dir.path, 'stop-and-memory');
  await dir.remove();
});

async function spec(name: string, env: Record<string, string>, memoryBytes: number): Promise<AllocationSpec> {
  return { allocationId: `alloc_${name}`, artifactDir: app.artifactDir, workDir: join(dir.path, name), command: app.command, port: await freePort(), env, memoryBytes };
}

test('an app that ignores SIGTERM is killed at the deadline', async () => {
  const started = await spec('stubborn', { IGNORE_SIGTERM: '1' }, 512 * 2 ** 20);
  const running = await new ProcessDriver().start(started, () => {});
  await eventually(() => getJson(started.port, '/'));
  const before = Date.now();
  const { exit, killed } = await running.stop(500);
  const took = Date.now() - before;
  assert.equal(killed, true);
  assert.equal(exit.signal, 'SIGKILL', exit.reason);
  // Never before the deadline; the upper bound is loose because a loaded test host delays timers
  // and process exits, and the point is only that a stubborn app does not run on.
  assert.ok(took >= 450 && took < 5_000, `stopped after ${took} ms`);
});

test('an app past its memory limit is killed promptly with oom', async () => {
  const hog = await spec('hog', { HOG_MIB: '300' }, 64 * 2 ** 20);
  const before = Date.now();
  const running = await new ProcessDriver().start(hog, () => {});
  const exit = await running.exited;
  const took = Date.now() - before;
  assert.equal(exit.oom, true);
  assert.match(exit.reason, /^killed: memory \d+ MiB over the 64 MiB limit$/);
  assert.ok(took < 5_000, `killed after ${took} ms`);
  assert.equal(running.memoryLimit === 'cgroup' || running.memoryLimit === 'watchdog', true);
});

test('the watchdog, asked for explicitly, enforces the limit too', async () => {
  const hog = await spec('hog-watchdog', { HOG_MIB: '300' }, 64 * 2 ** 20);
  const running = await new ProcessDriver({ memoryLimit: 'watchdog' }).start(hog, () => {});
  assert.equal(running.memoryLimit, 'watchdog');
  const exit = await running.exited;
  assert.equal(exit.oom, true);
});

test('an app within its limit is not killed', async () => {
  const calm = await spec('calm', {}, 512 * 2 ** 20);
  const running = await new ProcessDriver().start(calm, () => {});
  await eventually(() => getJson(calm.port, '/'));
  // Long enough for several watchdog samples.
  await new Promise((resolve) => setTimeout(resolve, 600));
  const { exit, killed } = await running.stop(2_000);
  assert.equal(exit.oom, false);
  assert.equal(killed, false);
});
