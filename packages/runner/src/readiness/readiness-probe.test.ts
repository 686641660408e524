import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '@berth/testkit';
import { freePort } from '../alloc-runner/free-port.js';
import type { AllocationSpec } from '../drivers/driver.js';
import { FakeDriver } from '../drivers/fake-driver.js';
import { waitUntilReady } from './readiness-probe.js';

let dir: { path: string; remove: () => Promise<void> };
const driver = new FakeDriver();

before(async () => {
  dir = await tempDir('berth-readiness-');
  await mkdir(join(dir.path, 'artifact'));
});
after(() => dir.remove());

async function spec(name: string, fake: string): Promise<AllocationSpec> {
  return { allocationId: `alloc_${name}`, artifactDir: join(dir.path, 'artifact'), workDir: join(dir.path, name), command: '', port: await freePort(), env: { BERTH_FAKE: fake }, memoryBytes: 512 * 2 ** 20 };
}

test('an app that warms up late is not ready until its health path answers 2xx', async () => {
  const late = await spec('late', '{"lateReadyMs":1200,"healthPath":"/healthz"}');
  const running = await driver.start(late, () => {});
  try {
    const result = await waitUntilReady({ host: '127.0.0.1', port: late.port, path: '/healthz', timeoutMs: 10_000, intervalMs: 100, exited: running.exited });
    assert.equal(result.ready, true);
    assert.ok(result.ready && result.status === 200);
    assert.ok(result.elapsedMs >= 1_000, `ready after ${result.elapsedMs} ms`);
    assert.ok(result.attempts > 3, `${result.attempts} attempts`);
  } finally {
    await running.stop(1_000);
  }
});

test('a warming app times out with the last status it gave', async () => {
  const late = await spec('late-timeout', 'late-ready:60000');
  const running = await driver.start(late, () => {});
  try {
    const result = await waitUntilReady({ host: '127.0.0.1', port: late.port, path: '/healthz', timeoutMs: 800, intervalMs: 100, exited: running.exited });
    assert.equal(result.ready, false);
    assert.ok(!result.ready);
    assert.match(result.reason, /^not ready within 800 ms after \d+ attempts; last seen: (status 503|ECONNREFUSED.*)$/);
  } finally {
    await running.stop(1_000);
  }
});

test('an app that never opens its port times out with the connection error', async () => {
  const hang = await spec('hang', 'hang');
  const running = await driver.start(hang, () => {});
  try {
    const result = await waitUntilReady({ host: '127.0.0.1', port: hang.port, path: '/', timeoutMs: 600, intervalMs: 100, exited: running.exited });
    assert.ok(!result.ready);
    assert.match(result.lastError ?? '', /ECONNREFUSED/);
  } finally {
    await running.stop(1_000);
  }
});

test('an app that exits before it is ready ends the wait at once', async () => {
  const exits = await spec('exits', 'exit:1');
  const running = await driver.start(exits, () => {});
  const result = await waitUntilReady({ host: '127.0.0.1', port: exits.port, path: '/', timeoutMs: 30_000, intervalMs: 100, exited: running.exited });
  assert.ok(!result.ready);
  assert.equal(result.reason, 'the process exited before it was ready: exited with code 1');
  assert.ok(result.elapsedMs < 5_000);
});

test('an aborted wait returns at once', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const result = await waitUntilReady({ host: '127.0.0.1', port: await freePort(), path: '/', timeoutMs: 30_000, intervalMs: 1_000, signal: controller.signal });
  assert.ok(!result.ready);
  assert.equal(result.reason, 'the readiness probe was cancelled');
});

test('while an app boots, attempts come every 10 ms (a wake waits on this), then the pause doubles up to the interval', async () => {
  const quick = await spec('quick', '{"lateReadyMs":400,"healthPath":"/healthz"}');
  const running = await driver.start(quick, () => {});
  try {
    const result = await waitUntilReady({ host: '127.0.0.1', port: quick.port, path: '/healthz', timeoutMs: 10_000, intervalMs: 250, exited: running.exited });
    assert.ok(result.ready, 'ready');
    // A pause that doubled from 10 ms would have made 5 or 6 attempts by 400 ms; 10 ms pauses make
    // about 40 (fewer on a loaded machine, never as few as that).
    assert.ok(result.attempts >= 12, `${result.attempts} attempts in ${result.elapsedMs} ms`);
  } finally {
    await running.stop(1_000);
  }
  const slow = await spec('slow', '{"lateReadyMs":1500,"healthPath":"/healthz"}');
  const booting = await driver.start(slow, () => {});
  try {
    const result = await waitUntilReady({ host: '127.0.0.1', port: slow.port, path: '/healthz', timeoutMs: 10_000, intervalMs: 200, fastPhaseMs: 100, exited: booting.exited });
    assert.ok(result.ready, 'ready');
    // 100 ms of 10 ms pauses (at most 11 attempts), then 20, 40, 80, 160, 200, 200, ... up to 1.5 s.
    assert.ok(result.attempts <= 25, `${result.attempts} attempts: the pause grew after the fast phase`);
  } finally {
    await booting.stop(1_000);
  }
});
