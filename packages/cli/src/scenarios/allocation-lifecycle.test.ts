import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { copyExample, deployFolder, waitForDeployment, type TestControlPlane } from '@berth/control-plane/testing';
import { startWithOneRunner } from './runner-harness.js';

/** The allocation lifecycle on a real runner process with the process driver. */
describe('allocation lifecycle on a real runner', () => {
  let t: TestControlPlane;
  let dispose: () => Promise<void>;

  before(async () => {
    ({ t, dispose } = await startWithOneRunner({ heartbeatMs: 300, scheduleEveryMs: 200 }));
  });
  after(async () => dispose?.());

  async function deployVariant(app: string, edit: (folder: string) => Promise<void>) {
    await t.call('POST', '/api/apps', { body: { name: app } });
    const copy = await copyExample('hello-node');
    try {
      await edit(copy.path);
      const d = await waitForDeployment(t, (await deployFolder(t, app, copy.path)).body.id, ['preview_ready', 'blocked', 'failed']);
      assert.equal(d.state, 'preview_ready', d.reason);
      return { ...d, env: `preview-${d.shortId}` };
    } finally {
      await copy.remove();
    }
  }
  const allocations = async (app: string, env: string) => (await t.call('GET', `/api/apps/${app}/allocations?env=${env}&all=true`)).body.items as Array<{ id: string; state: string; failureMode: string | null; reason: string | null }>;

  test('drain: an app that ignores SIGTERM is killed at the deadline, and the evidence says so', async () => {
    const d = await deployVariant('stubborn', async (folder) => {
      await writeFile(join(folder, 'berth.toml'), '[run]\ncommand = "node server.js"\nhealth = "/healthz"\ndrain_timeout = "1s"\n');
      await appendFile(join(folder, 'server.js'), "\nprocess.on('SIGTERM', () => console.log('ignoring SIGTERM'));\n");
    });
    const ready = await eventually(async () => (await allocations('stubborn', d.env)).find((a) => a.state === 'ready'), { timeoutMs: 30_000, message: 'ready' });
    await t.call('PUT', `/api/apps/stubborn/environments/${d.env}/scale`, { body: { count: 0 } });
    await eventually(async () => (await allocations('stubborn', d.env)).find((a) => a.id === ready.id)?.state === 'stopped', { timeoutMs: 30_000, message: 'stopped' });
    const shown = await t.call('GET', `/api/allocations/${ready.id}`);
    const states = shown.body.timeline.filter((e: { type: string }) => e.type === 'transition').map((e: { to: string }) => e.to);
    assert.deepEqual(states.slice(-2), ['draining', 'stopped']);
    const stopped = shown.body.timeline.find((e: { to: string; type: string }) => e.type === 'transition' && e.to === 'stopped');
    assert.match(stopped.sentence, /ignored SIGTERM; killed at the/);
    const gate = shown.body.timeline.find((e: { type: string; evidence: { gate?: string } }) => e.type === 'gate' && e.evidence.gate === 'drain deadline respected');
    assert.equal(gate.evidence.killed, true);
  });

  test('a secret unset after the deploy fails the allocation with "secret missing", naming it', async () => {
    await t.call('POST', '/api/apps', { body: { name: 'secretive' } });
    await t.call('PUT', '/api/apps/secretive/environments/production/secrets/API_KEY', { body: { value: 'k-123' } });
    const copy = await copyExample('hello-node');
    await writeFile(join(copy.path, 'berth.toml'), '[run]\ncommand = "node server.js"\nhealth = "/healthz"\n[secrets]\nrequired = ["API_KEY"]\n');
    const res = await deployFolder(t, 'secretive', copy.path);
    await copy.remove();
    // Unset it the moment the deploy is ready: the allocation must not start without it.
    const d = await waitForDeployment(t, res.body.id, ['preview_ready']);
    await t.call('DELETE', '/api/apps/secretive/environments/production/secrets/API_KEY');
    await t.call('PUT', `/api/apps/secretive/environments/preview-${d.shortId}/scale`, { body: { count: 0 } });
    await eventually(async () => !(await allocations('secretive', `preview-${d.shortId}`)).some((a) => !['stopped', 'failed'].includes(a.state)), { timeoutMs: 30_000 });
    await t.call('PUT', `/api/apps/secretive/environments/preview-${d.shortId}/scale`, { body: { count: 1 } });
    const failed = await eventually(async () => (await allocations('secretive', `preview-${d.shortId}`)).find((a) => a.failureMode === 'secret missing'), { timeoutMs: 30_000, message: 'secret missing' });
    assert.match(failed.reason ?? '', /API_KEY/);
  });

  test('an app that passes its memory limit ends in OOM', async () => {
    const d = await deployVariant('hungry', async (folder) => {
      await writeFile(join(folder, 'berth.toml'), '[run]\ncommand = "node hog.js"\nmemory = "64MiB"\n');
      await writeFile(join(folder, 'hog.js'), "import { createServer } from 'node:http';\nconst keep = [];\ncreateServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');\nsetTimeout(() => setInterval(() => keep.push(Buffer.alloc(16 * 1024 * 1024, 1)), 50), 1500);\n");
    });
    const oom = await eventually(async () => (await allocations('hungry', d.env)).find((a) => a.failureMode === 'OOM'), { timeoutMs: 30_000, message: 'OOM' });
    assert.equal(oom.state, 'failed');
    assert.match(oom.reason ?? '', /MiB/);
  });

  test('[scale] region keeps allocations off hosts of another region, and says why', async () => {
    const d = await deployVariant('regional', async (folder) => {
      await writeFile(join(folder, 'berth.toml'), '[run]\ncommand = "node server.js"\n[scale]\nregion = "eu"\n');
    });
    const [env] = await eventually(async () => {
      const rows = await t.cp.db.query<{ run_status_reason: string | null }>('SELECT run_status_reason FROM environments WHERE name = $1', [d.env]);
      return rows[0]?.run_status_reason ? rows : undefined;
    }, { timeoutMs: 15_000, message: 'a placement reason' });
    assert.match(env!.run_status_reason!, /no ready host matches region eu/);
    assert.deepEqual(await allocations('regional', d.env), []);
  });
});
