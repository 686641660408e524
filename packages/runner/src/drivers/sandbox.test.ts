import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, tempDir } from '@berth/testkit';
import { freePort } from '../alloc-runner/free-port.js';
import { killLeftovers } from '../test-support/live-processes.js';
import { getJson, writeTestApp } from '../test-support/test-app.js';
import type { RunningAllocation } from './driver.js';
import { ProcessDriver } from './process-driver.js';
import { bwrapPath } from './sandbox.js';

const bwrap = await bwrapPath();
const skip = bwrap ? false : 'bubblewrap does not work on this host';

let dir: { path: string; remove: () => Promise<void> };
let app: { artifactDir: string; command: string };
let running: RunningAllocation;
let port: number;
const hostOnlyFile = `/tmp/berth-host-only-${randomUUID()}`;
// A path on the host outside /tmp, read-only in the sandbox; removed after in case the sandbox failed.
const hostPlanted = join(homedir(), `berth-sandbox-planted-${randomUUID()}`);
const write = (path: string) => getJson<{ ok: boolean; code?: string }>(port, `/write?path=${encodeURIComponent(path)}`);
const read = (path: string) => getJson<{ ok: boolean; code?: string; text?: string }>(port, `/read?path=${encodeURIComponent(path)}`);

before(async () => {
  if (skip) return;
  dir = await tempDir('berth-sandbox-');
  app = await writeTestApp(join(dir.path, 'artifact'));
  port = await freePort();
  await writeFile(hostOnlyFile, 'the host\'s /tmp');
  running = await new ProcessDriver().start(
    { allocationId: 'alloc_sandboxed', artifactDir: app.artifactDir, workDir: join(dir.path, 'work'), command: app.command, port, env: {}, memoryBytes: 512 * 2 ** 20 },
    () => {},
  );
  await eventually(() => getJson(port, '/'));
});

after(async () => {
  await running?.stop(2_000);
  if (dir) killLeftovers(dir.path, 'sandbox');
  await rm(hostOnlyFile, { force: true });
  await rm(hostPlanted, { force: true });
  await dir?.remove();
});

test('the allocation says it is sandboxed', { skip }, () => {
  assert.equal(running.sandboxed, true);
});

test('the app cannot write outside its working copy', { skip }, async () => {
  // Outside /tmp the host is bound read-only: the write is refused.
  assert.deepEqual(await write(hostPlanted), { ok: false, code: 'EROFS' });
  await assert.rejects(stat(hostPlanted), { code: 'ENOENT' });
  // This test's folders live under the host's /tmp, which the sandbox's private /tmp hides: a
  // write there is refused or lands in the private tmpfs, and either way never on the host.
  for (const outside of [join(app.artifactDir, 'planted.txt'), join(dir.path, 'work', 'beside-the-copy.txt')]) {
    await write(outside);
    await assert.rejects(stat(outside), { code: 'ENOENT' });
  }
  assert.deepEqual(await write(join(dir.path, 'work', 'root', 'allowed.txt')), { ok: true });
  assert.deepEqual(await write(join(dir.path, 'work', 'home', 'allowed.txt')), { ok: true });
  assert.ok(await stat(join(dir.path, 'work', 'root', 'allowed.txt')));
});

test('/tmp is private to the allocation', { skip }, async () => {
  assert.deepEqual(await read(hostOnlyFile), { ok: false, code: 'ENOENT' });
  const mine = `/tmp/berth-app-only-${randomUUID()}`;
  assert.deepEqual(await write(mine), { ok: true });
  assert.deepEqual(await read(mine), { ok: true, text: 'written by the app' });
  await assert.rejects(stat(mine), { code: 'ENOENT' });
  const { env } = await getJson<{ env: Record<string, string> }>(port, '/env');
  assert.equal(env.TMPDIR, '/tmp');
});

test('without the sandbox the allocation says so', async () => {
  const local = await tempDir('berth-unsandboxed-');
  try {
    const plain = await writeTestApp(join(local.path, 'artifact'));
    const plainPort = await freePort();
    const unsandboxed = await new ProcessDriver({ sandbox: 'off' }).start(
      { allocationId: 'alloc_plain', artifactDir: plain.artifactDir, workDir: join(local.path, 'work'), command: plain.command, port: plainPort, env: {}, memoryBytes: 512 * 2 ** 20 },
      () => {},
    );
    assert.equal(unsandboxed.sandboxed, false);
    await eventually(() => getJson(plainPort, '/'));
    const { env } = await getJson<{ env: Record<string, string> }>(plainPort, '/env');
    assert.equal(env.TMPDIR, join(local.path, 'work', 'tmp'));
    const { killed } = await unsandboxed.stop(2_000);
    assert.equal(killed, false);
  } finally {
    killLeftovers(local.path, 'sandbox');
    await local.remove();
  }
});
