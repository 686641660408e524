import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { copyExample, deployFolder, waitForDeployment, type TestControlPlane } from '@berth/control-plane/testing';
import { startWithOneRunner } from './runner-harness.js';

let t: TestControlPlane;
let dispose: () => Promise<void>;

before(async () => {
  ({ t, dispose } = await startWithOneRunner({ heartbeatMs: 300, scheduleEveryMs: 200, crashLimit: 3 }));
});
after(async () => dispose?.());

test('an app that keeps exiting backs off, then its environment is in crashloop; scaling restarts it', async () => {
  await t.call('POST', '/api/apps', { body: { name: 'crashy' } });
  const copy = await copyExample('hello-node');
  await writeFile(join(copy.path, 'berth.toml'), '[run]\ncommand = "echo starting; exit 1"\n');
  const d = await waitForDeployment(t, (await deployFolder(t, 'crashy', copy.path)).body.id, ['preview_ready']);
  await copy.remove();
  const env = `preview-${d.shortId}`;
  const row = await eventually(async () => {
    const [e] = await t.cp.db.query<{ run_status: string; run_status_reason: string }>('SELECT run_status, run_status_reason FROM environments WHERE name = $1', [env]);
    return e?.run_status === 'crashloop' ? e : undefined;
  }, { timeoutMs: 60_000, message: 'crashloop' });
  assert.match(row.run_status_reason, /3 allocations failed within 5 minutes/);
  const failures = (await t.call('GET', `/api/apps/crashy/allocations?env=${env}&all=true`)).body.items as Array<{ state: string; createdAt: string }>;
  assert.equal(failures.length, 3, 'no placement after the crash loop');
  const starts = failures.map((a) => Date.parse(a.createdAt)).sort((a, b) => a - b);
  // Each placement waits out the back-off since the last failure: 1 s after one, 2 s after two.
  assert.ok(starts[1]! - starts[0]! >= 1000, `waited ${starts[1]! - starts[0]!} ms after the first failure`);
  assert.ok(starts[2]! - starts[1]! >= 2000, `waited ${starts[2]! - starts[1]!} ms after the second failure`);
  // Scaling clears the crash loop and places again.
  await t.call('PUT', `/api/apps/crashy/environments/${env}/scale`, { body: { count: 1 } });
  await eventually(async () => (await t.call('GET', `/api/apps/crashy/allocations?env=${env}&all=true`)).body.items.length > 3, { timeoutMs: 30_000, message: 'placed again' });
});
