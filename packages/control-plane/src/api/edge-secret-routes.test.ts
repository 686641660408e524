import assert from 'node:assert/strict';
import { newId } from '@berth/core';
import { after, before, describe, test } from 'node:test';
import { swapRouteOwner } from '../routes/route-owners.js';
import { seedDeployment, type SeededApp } from '../route-feed/feed-fixtures.js';
import { startTestControlPlane, storeBackends, type TestControlPlane } from '../testing/index.js';

const webhookManifest = {
  name: 'shop', run: { command: 'node server.js' },
  webhooks: [
    { path: '/webhooks/stripe', provider: 'stripe', secret: 'STRIPE_WEBHOOK_SECRET', toleranceMs: 300_000 },
    { path: '/webhooks/github', provider: 'github', secret: 'GITHUB_WEBHOOK_SECRET' },
  ],
  live: { path: '/live', resumable: true, stateSchema: 'v3', store: 'sessions' },
};

for (const { backend, skip } of await storeBackends()) {
  describe(`edge webhook secrets (${backend})`, { skip }, () => {
    let t: TestControlPlane;
    let app: SeededApp;
    let edgeToken: string;
    const path = () => `/api/edges/environments/${app.production}/webhook-secrets`;
    const setSecret = async (name: string, value: string) => assert.equal((await t.call('PUT', `/api/apps/shop/environments/production/secrets/${name}`, { body: { value } })).status, 200);

    before(async () => {
      t = await startTestControlPlane({ backend });
      const created = await t.call('POST', '/api/apps', { body: { name: 'shop' } });
      assert.equal(created.status, 201);
      const [env] = await t.cp.db.query<{ id: string }>(`SELECT id FROM environments WHERE kind = 'production' AND app_id = $1`, [created.body.id]);
      const [org] = await t.cp.db.query<{ org_id: string }>('SELECT org_id FROM apps WHERE id = $1', [created.body.id]);
      app = { orgId: org!.org_id, appId: created.body.id, production: env!.id, preview: env!.id };
      const joinToken = await t.cp.createJoinToken('edges', 60_000);
      const registered = await t.call('POST', '/api/edges/register', { token: null, body: { joinToken, name: 'edge-s', transport: 'embedded', version: '0.1.0' } });
      assert.equal(registered.status, 200);
      edgeToken = registered.body.token;
    });
    after(async () => t?.close());

    test('an environment without a route owner has no webhook secrets, and a missing one is 404', async () => {
      const empty = await t.call('GET', path(), { token: edgeToken });
      assert.equal(empty.status, 200);
      assert.deepEqual(empty.body, { secrets: {}, liveStoreBound: false });
      const missing = await t.call('GET', '/api/edges/environments/env_01JZZZZZZZZZZZZZZZZZZZZZZZ/webhook-secrets', { token: edgeToken });
      assert.equal(missing.status, 404);
    });

    test('an edge gets the values of the secrets the serving deployment\'s [[webhooks]] name, only those, and whether the live store is bound', async () => {
      const deployment = await seedDeployment(t.cp.db, app, { manifest: webhookManifest });
      await t.cp.db.transaction((tx) => swapRouteOwner(tx, { hostname: 'shop.localhost', environmentId: app.production, deploymentId: deployment.id, digest: deployment.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
      await setSecret('STRIPE_WEBHOOK_SECRET', 'whsec_test_value');
      await setSecret('DATABASE_PASSWORD', 'not-for-edges');

      const before = await t.call('GET', path(), { token: edgeToken });
      assert.equal(before.status, 200);
      assert.deepEqual(before.body, { secrets: { STRIPE_WEBHOOK_SECRET: 'whsec_test_value' }, liveStoreBound: false }, 'an unset webhook secret is absent; other secrets never appear');
      assert.equal(before.headers['cache-control'], 'no-store');

      await setSecret('GITHUB_WEBHOOK_SECRET', 'gh-secret');
      await setSecret('SESSIONS', 'a secret named like the store is not its binding');
      const unbound = await t.call('GET', path(), { token: edgeToken });
      assert.equal(unbound.body.liveStoreBound, false, 'the binding is BERTH_BINDING_SESSIONS');
      await setSecret('BERTH_BINDING_SESSIONS', 'redis://store.internal:6379/0');
      const after = await t.call('GET', path(), { token: edgeToken });
      assert.deepEqual(after.body, { secrets: { STRIPE_WEBHOOK_SECRET: 'whsec_test_value', GITHUB_WEBHOOK_SECRET: 'gh-secret' }, liveStoreBound: true });
      assert.ok(!JSON.stringify(after.body).includes('redis://'), 'the store binding\'s value stays in the control plane');
      assert.ok(!t.logs.some((line) => line.includes('whsec_test_value') || line.includes('gh-secret')), 'no value is logged');
    });

    test('a preview falls back to its deploy target\'s secrets for what it does not set itself, as its allocations do', async () => {
      const preview = newId('environment');
      await t.cp.db.query(`INSERT INTO environments (id, app_id, name, kind, created_at) VALUES ($1, $2, 'preview-p1', 'preview', $3)`, [preview, app.appId, new Date()]);
      const deployment = await seedDeployment(t.cp.db, app, { manifest: webhookManifest });
      await t.cp.db.transaction((tx) => swapRouteOwner(tx, { hostname: 'shop--p1.localhost', environmentId: preview, deploymentId: deployment.id, digest: deployment.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
      const answer = await t.call('GET', `/api/edges/environments/${preview}/webhook-secrets`, { token: edgeToken });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { secrets: { STRIPE_WEBHOOK_SECRET: 'whsec_test_value', GITHUB_WEBHOOK_SECRET: 'gh-secret' }, liveStoreBound: true });
    });

    test('only an edge token opens it: no token, an API token or a made-up token is refused', async () => {
      assert.equal((await t.call('GET', path(), { token: null })).status, 401);
      assert.equal((await t.call('GET', path())).status, 401, 'an admin API token is not an edge token');
      assert.equal((await t.call('GET', path(), { token: 'berth_edge.e30.AAAA' })).status, 401);
      const bad = await t.call('GET', '/api/edges/environments/not-an-id/webhook-secrets', { token: edgeToken });
      assert.equal(bad.status, 400);
    });
  });
}
