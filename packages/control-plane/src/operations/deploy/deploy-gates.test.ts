import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyExample, deployFolder, examplesDir, startTestControlPlane, waitForDeployment, type TestControlPlane } from '../../testing/index.js';
import { swapRouteOwner } from '../../routes/route-owners.js';

const settled = ['preview_ready', 'failed', 'blocked'];

describe('deploy gates and failure modes', () => {
  let t: TestControlPlane;
  before(async () => {
    t = await startTestControlPlane();
    for (const name of ['repro', 'stale', 'migr', 'live', 'leak']) await t.call('POST', '/api/apps', { body: { name } });
    for (const app of ['migr', 'live']) await t.call('PATCH', `/api/apps/${app}/environments/production/secrets`, { body: { set: { DATABASE_URL: 'postgres://x', STRIPE_WEBHOOK_SECRET: 'whsec_x' } } });
  });
  after(async () => t?.close());

  async function deployVariant(app: string, example: string, files: Record<string, string>) {
    const copy = await copyExample(example);
    try {
      for (const [name, text] of Object.entries(files)) await writeFile(join(copy.path, name), text);
      const res = await deployFolder(t, app, copy.path);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return await waitForDeployment(t, res.body.id, settled);
    } finally {
      await copy.remove();
    }
  }

  test('[validate] reproducible: a build that bakes in the time fails with build digest mismatch', async () => {
    const d = await deployVariant('repro', 'hello-node', { 'berth.toml': '[build]\ncommand = "date +%s%N > stamp.txt"\n[run]\ncommand = "node server.js"\n[validate]\nreproducible = true\n' });
    assert.equal(d.state, 'failed');
    assert.equal(d.failureMode, 'build digest mismatch');
    assert.match(d.reason, /stamp\.txt/);
  });

  test('[validate] reproducible: a deterministic build passes', async () => {
    const d = await deployVariant('repro', 'hello-node', { 'berth.toml': '[build]\ncommand = "echo fixed > stamp.txt"\n[run]\ncommand = "node server.js"\n[validate]\nreproducible = true\n' });
    assert.equal(d.state, 'preview_ready', d.reason);
  });

  test('[validate] generated changing the tree blocks with stale artifacts, naming the file', async () => {
    const d = await deployVariant('stale', 'hello-node', { 'berth.toml': '[run]\ncommand = "node server.js"\n[validate]\ngenerated = "date +%s%N > generated.txt"\n', 'generated.txt': 'old\n' });
    assert.equal(d.state, 'blocked');
    assert.equal(d.failureMode, 'stale artifacts');
    assert.equal(d.gates['generated artifacts current'].status, 'fail');
    assert.deepEqual(d.gates['generated artifacts current'].evidence.changed, ['generated.txt']);
  });

  test('a destructive migration blocks the preview until approved', async () => {
    const d = await deployVariant('migr', 'shop', { 'migrations/0003_drop.sql': 'DROP TABLE carts;\n' });
    assert.equal(d.state, 'blocked');
    assert.equal(d.failureMode, 'migration blocks preview');
    assert.equal(d.gates['DB impact classified'].evidence.impact, 'destructive');
    assert.match(d.reason, /approve/);
    assert.equal((await t.call('POST', `/api/deployments/${d.id}/approve`, { body: { reason: 'carts move to Redis' } })).status, 200);
    const approved = await waitForDeployment(t, d.id, ['preview_ready', 'failed']);
    assert.equal(approved.state, 'preview_ready', approved.reason);
    assert.equal(approved.gates['DB impact classified'].evidence.approved, true);
    const op = await t.call('GET', `/api/operations/${d.operationId}`);
    assert.ok(op.body.timeline.some((e: { sentence: string }) => /Approved by .*migration blocks preview/.test(e.sentence)));
  });

  test('an incompatible live state schema needs approval (a cold deploy)', async () => {
    const v1 = await deployVariant('live', 'shop', {});
    assert.equal(v1.state, 'preview_ready', v1.reason);
    // Production serves v1 (promotion comes with the edge; here the route owner is set directly).
    const [env] = await t.cp.db.query<{ id: string }>("SELECT e.id FROM environments e JOIN apps a ON a.id = e.app_id WHERE a.name = 'live' AND e.kind = 'production'");
    await t.cp.db.transaction((tx) => swapRouteOwner(tx, { hostname: 'live.localhost', environmentId: env!.id, deploymentId: v1.id, digest: v1.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
    const same = await deployVariant('live', 'shop', { 'README.md': 'same schema\n' });
    assert.equal(same.gates['live state impact classified'].evidence.impact, 'compatible');
    const v2 = await deployVariant('live', 'shop', { 'berth.toml': readFileSync(join(examplesDir(), 'shop', 'berth.toml'), 'utf8').replace('state_schema = "v1"', 'state_schema = "v2"') });
    assert.equal(v2.state, 'blocked');
    assert.equal(v2.failureMode, 'cold deploy needs approval');
    assert.equal(v2.gates['live state impact classified'].evidence.impact, 'incompatible');
    await t.call('POST', `/api/deployments/${v2.id}/approve`);
    assert.equal((await waitForDeployment(t, v2.id, ['preview_ready', 'failed'])).state, 'preview_ready');
  });

  test('a secret value printed by a build is redacted in the build log, and no log line carries it', async () => {
    const value = 'sk_live_do-not-print-4242';
    await t.call('PUT', '/api/apps/leak/environments/production/secrets/API_KEY', { body: { value } });
    const d = await deployVariant('leak', 'hello-node', { 'berth.toml': '[build]\ncommand = "cat notes.txt"\n[run]\ncommand = "node server.js"\n[secrets]\nrequired = ["API_KEY"]\n', 'notes.txt': `the key is ${value}\n` });
    assert.equal(d.state, 'preview_ready', d.reason);
    const log = (await t.call('GET', `/api/deployments/${d.id}/logs`)).body.items.map((c: { text: string }) => c.text).join('');
    assert.match(log, /the key is \[redacted\]/);
    const answers = JSON.stringify([d, await t.call('GET', `/api/operations/${d.operationId}`), await t.call('GET', '/api/deployments/' + d.id)]);
    assert.ok(!answers.includes(value));
    assert.ok(!t.logs.join('\n').includes(value));
  });
});
