import assert from 'node:assert/strict';
import { writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyExample, deployFolder, examplesDir, startTestControlPlane, waitForDeployment, type TestControlPlane } from '../../testing/index.js';
import { findRouteOwner } from '../../routes/route-owners.js';

describe('deploy pipeline', () => {
  let t: TestControlPlane;
  before(async () => {
    t = await startTestControlPlane();
    for (const name of ['hello', 'site', 'shop', 'broken', 'failing', 'slow']) assert.equal((await t.call('POST', '/api/apps', { body: { name } })).status, 201);
  });
  after(async () => t?.close());

  test('an uploaded app reaches preview_ready with a digest, a preview host at epoch 1, gates and its build log', async () => {
    const res = await deployFolder(t, 'hello', join(examplesDir(), 'hello-node'));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const d = await waitForDeployment(t, res.body.id, ['preview_ready', 'failed', 'blocked']);
    assert.equal(d.state, 'preview_ready', d.reason);
    assert.match(d.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(d.previewHost, `hello--${d.shortId}.localhost`);
    for (const gate of ['generated artifacts current', 'live state impact classified', 'DB impact classified', 'secrets/providers bound']) assert.equal(d.gates[gate].status, 'pass', gate);
    const owner = await findRouteOwner(t.cp.db, d.previewHost);
    assert.equal(owner?.epoch, 1);
    assert.equal(owner?.digest, d.digest);
    assert.equal(await findRouteOwner(t.cp.db, 'hello.localhost'), undefined, 'production is untouched by a preview');
    await t.cp.artifacts.verify(d.digest);
    const app = await t.call('GET', '/api/apps/hello');
    assert.ok(app.body.environments.some((e: { name: string; kind: string }) => e.kind === 'preview' && e.name === `preview-${d.shortId}`));
  });

  test('the same source twice gives the same digest; one changed byte gives a new one', async () => {
    const copy = await copyExample('hello-node');
    try {
      const first = await waitForDeployment(t, (await deployFolder(t, 'hello', copy.path)).body.id, ['preview_ready']);
      const second = await waitForDeployment(t, (await deployFolder(t, 'hello', copy.path)).body.id, ['preview_ready']);
      assert.equal(second.digest, first.digest);
      assert.notEqual(second.id, first.id);
      await appendFile(join(copy.path, 'server.js'), ' ');
      const third = await waitForDeployment(t, (await deployFolder(t, 'hello', copy.path)).body.id, ['preview_ready']);
      assert.notEqual(third.digest, first.digest);
    } finally {
      await copy.remove();
    }
  });

  test('an assets-only site builds, and its asset manifest lists the built files', async () => {
    const d = await waitForDeployment(t, (await deployFolder(t, 'site', join(examplesDir(), 'static-site'))).body.id, ['preview_ready', 'failed', 'blocked']);
    assert.equal(d.state, 'preview_ready', d.reason);
    const [row] = await t.cp.db.query<{ asset_manifest: Array<{ path: string; contentType: string }> }>('SELECT asset_manifest FROM deployments WHERE id = $1', [d.id]);
    const paths = row!.asset_manifest.map((a) => a.path);
    assert.ok(paths.includes('/assets/site.css'));
    assert.ok(paths.includes('/index.html'));
  });

  test('a broken berth.toml fails before building, naming line and key', async () => {
    const copy = await copyExample('hello-node');
    try {
      await writeFile(join(copy.path, 'berth.toml'), '[run]\ncommand = "node server.js"\n\n[scale]\nmin = 2\nmax = 1\n');
      const d = await waitForDeployment(t, (await deployFolder(t, 'broken', copy.path)).body.id, ['failed', 'preview_ready']);
      assert.equal(d.state, 'failed');
      assert.match(d.reason, /berth\.toml:6/);
      assert.match(d.reason, /\[scale\] max/);
      const op = await t.call('GET', `/api/operations/${d.operationId}`);
      assert.ok(!op.body.timeline.some((e: { to: string | null }) => e.to === 'building'), 'nothing was built');
    } finally {
      await copy.remove();
    }
  });

  test('a failing build ends in failed with the last lines of its output', async () => {
    const copy = await copyExample('hello-node');
    try {
      await writeFile(join(copy.path, 'berth.toml'), '[build]\ncommand = "echo compiling; echo \'error: missing semicolon\' >&2; exit 3"\n\n[run]\ncommand = "node server.js"\n');
      const d = await waitForDeployment(t, (await deployFolder(t, 'failing', copy.path)).body.id, ['failed', 'preview_ready']);
      assert.equal(d.state, 'failed');
      assert.match(d.reason, /3/);
      assert.match(d.reason, /error: missing semicolon/);
      const logs = await t.call('GET', `/api/deployments/${d.id}/logs`);
      assert.match(logs.body.items.map((c: { text: string }) => c.text).join(''), /compiling[\s\S]*missing semicolon/);
    } finally {
      await copy.remove();
    }
  });

  test('a build past its time limit is stopped and says so', async () => {
    const copy = await copyExample('hello-node');
    try {
      await writeFile(join(copy.path, 'berth.toml'), '[build]\ncommand = "sleep 30"\ntimeout = "1s"\n\n[run]\ncommand = "node server.js"\n');
      const started = Date.now();
      const d = await waitForDeployment(t, (await deployFolder(t, 'slow', copy.path)).body.id, ['failed', 'preview_ready']);
      assert.equal(d.state, 'failed');
      assert.match(d.reason, /ran past its limit of 1s and was stopped/);
      assert.ok(Date.now() - started < 20_000);
    } finally {
      await copy.remove();
    }
  });

  test('a missing secret blocks at validating, naming it; setting it and retrying reaches preview_ready', async () => {
    const d = await waitForDeployment(t, (await deployFolder(t, 'shop', join(examplesDir(), 'shop'))).body.id, ['blocked', 'failed', 'preview_ready']);
    assert.equal(d.state, 'blocked', d.reason);
    const gate = d.gates['secrets/providers bound'];
    assert.equal(gate.status, 'fail');
    assert.deepEqual(gate.evidence.missing, ['DATABASE_URL', 'STRIPE_WEBHOOK_SECRET']);
    assert.match(d.reason, /DATABASE_URL, STRIPE_WEBHOOK_SECRET/);
    const early = await t.call('POST', `/api/deployments/${d.id}/approve`);
    assert.equal(early.status, 409, 'approval does not lift a missing secret');
    const secret = 'postgres://shop:s3cr3t-value-42@db/shop';
    assert.equal((await t.call('PUT', '/api/apps/shop/environments/production/secrets/DATABASE_URL', { body: { value: secret } })).status, 200);
    assert.equal((await t.call('PUT', '/api/apps/shop/environments/production/secrets/STRIPE_WEBHOOK_SECRET', { body: { value: 'whsec_test_123' } })).status, 200);
    assert.equal((await t.call('POST', `/api/deployments/${d.id}/retry`)).status, 200);
    const ready = await waitForDeployment(t, d.id, ['preview_ready', 'failed']);
    assert.equal(ready.state, 'preview_ready', ready.reason);
    assert.equal(ready.gates['DB impact classified'].evidence.impact, 'expand');
    // The secret never shows up in any answer or build output.
    const everything = JSON.stringify([ready, await t.call('GET', `/api/operations/${ready.operationId}`), await t.call('GET', `/api/deployments/${d.id}/logs`), await t.call('GET', '/api/apps/shop/environments/production/secrets')]);
    assert.ok(!everything.includes(secret));
  });
});
