import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, tempDir } from '@berth/testkit';
import { freePort } from '../alloc-runner/free-port.js';
import { killLeftovers } from '../test-support/live-processes.js';
import type { AllocationSpec } from './driver.js';
import { parseFakeBehaviour } from './fake-behaviour.js';
import { FakeDriver } from './fake-driver.js';

let dir: { path: string; remove: () => Promise<void> };
const driver = new FakeDriver();

before(async () => {
  dir = await tempDir('berth-fake-driver-');
  await mkdir(join(dir.path, 'artifact'));
});
after(async () => {
  killLeftovers(dir.path, 'fake-driver');
  await dir.remove();
});

async function spec(name: string, fake?: string): Promise<AllocationSpec> {
  return {
    allocationId: `alloc_${name}`,
    artifactDir: join(dir.path, 'artifact'),
    workDir: join(dir.path, name),
    command: 'never run: the fake driver runs its own app',
    port: await freePort(),
    env: fake === undefined ? {} : { BERTH_FAKE: fake },
    memoryBytes: 512 * 2 ** 20,
  };
}

test('BERTH_FAKE keywords and JSON parse to the same behaviour', () => {
  assert.deepEqual(parseFakeBehaviour(undefined), {});
  assert.deepEqual(parseFakeBehaviour('crash-after:200,ignore-sigterm'), { crashAfterMs: 200, ignoreSigterm: true });
  assert.deepEqual(parseFakeBehaviour('oom'), { oomAfterMs: 0 });
  assert.deepEqual(parseFakeBehaviour('{"lateReadyMs":500,"healthPath":"/healthz"}'), { lateReadyMs: 500, healthPath: '/healthz' });
  assert.throws(() => parseFakeBehaviour('crash'), /unknown behaviour "crash"/);
  assert.throws(() => parseFakeBehaviour('exit:abc'), /whole number/);
});

test('the fake app answers 200 "fake <id>" on every path and stops on SIGTERM', async () => {
  const plain = await spec('plain');
  const running = await driver.start(plain, () => {});
  const body = await eventually(async () => (await fetch(`http://127.0.0.1:${plain.port}/any/path`)).text());
  assert.equal(body, 'fake alloc_plain');
  const { exit, killed } = await running.stop(2_000);
  assert.equal(killed, false);
  assert.equal(exit.code, 0, exit.reason);
});

test('exit:<code> exits at once with the code', async () => {
  const running = await driver.start(await spec('exits', 'exit:3'), () => {});
  const exit = await running.exited;
  assert.equal(exit.code, 3);
  assert.equal(exit.reason, 'exited with code 3');
});

test('crash-after exits 1 after serving for a while', async () => {
  const crash = await spec('crash', 'crash-after:300');
  const lines: string[] = [];
  const running = await driver.start(crash, (_stream, line) => lines.push(line));
  const exit = await running.exited;
  assert.equal(exit.code, 1);
  // Read from its output rather than probed, so a slow test host cannot miss the serving window.
  assert.deepEqual(lines, [`fake alloc_crash listening on 127.0.0.1:${crash.port}`, 'fake: crashing as told']);
});

test('ignore-sigterm is killed at the deadline', async () => {
  const stubborn = await spec('stubborn', 'ignore-sigterm');
  const running = await driver.start(stubborn, () => {});
  await eventually(() => fetch(`http://127.0.0.1:${stubborn.port}/`));
  const { killed, exit } = await running.stop(300);
  assert.equal(killed, true);
  assert.equal(exit.signal, 'SIGKILL');
});

test('hang never opens the port', async () => {
  const hang = await spec('hang', 'hang');
  const lines: string[] = [];
  const running = await driver.start(hang, (_stream, line) => lines.push(line));
  await eventually(() => lines.includes('fake: hanging without opening the port'));
  await assert.rejects(fetch(`http://127.0.0.1:${hang.port}/`));
  await running.stop(1_000);
});
