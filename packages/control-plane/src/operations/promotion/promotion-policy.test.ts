import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findRouteOwner } from '../../routes/route-owners.js';
import { storeBackends } from '../../testing/index.js';
import { deployVersion, promote, startPromotionPlane, waitForPromotion, type PromotionPlane } from './test-support/promotion-fixture.js';

/**
 * Environment policy: a frozen environment refuses promotions with its reason (who, when, why), an
 * environment that requires approval makes each promotion wait, gate pending, for an admin.
 */
for (const { backend, skip } of await storeBackends()) {
  describe(`promotion policy on ${backend}`, { skip }, () => {
    let plane: PromotionPlane;
    let member: string;
    before(async () => {
      plane = await startPromotionPlane(backend);
      member = (await plane.t.call('POST', '/api/tokens', { body: { name: 'dev', role: 'member' } })).body.secret;
    });
    after(async () => plane?.dispose());

    test('a frozen environment refuses promotions with its reason; unfrozen, the promotion goes through', { timeout: 180_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'icy' } });
      const v1 = await deployVersion(t, 'icy', 'v1');
      assert.equal((await t.call('POST', '/api/apps/icy/environments/production/freeze', { body: {} })).body.error.code, 'invalid_body');
      const frozen = await t.call('POST', '/api/apps/icy/environments/production/freeze', { body: { reason: 'error rate up after the last deploy' }, token: member });
      assert.equal(frozen.status, 200, JSON.stringify(frozen.body));
      assert.equal(frozen.body.frozen, true);
      assert.equal(frozen.body.frozenReason, 'error rate up after the last deploy');
      assert.equal(frozen.body.frozenBy, 'dev');
      assert.ok(frozen.body.frozenAt);
      assert.equal(frozen.body.productionHost, 'icy.localhost');
      const shown = await t.call('GET', '/api/apps/icy');
      assert.equal(shown.body.environments.find((e: { kind: string }) => e.kind === 'production').frozen, true);

      const refused = await t.call('POST', `/api/deployments/${v1.id}/promote`, { body: {} });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'environment_frozen');
      assert.match(refused.body.error.message, /frozen by dev at .*error rate up after the last deploy/);
      assert.equal(await findRouteOwner(t.cp.db, 'icy.localhost'), undefined);

      assert.equal((await t.call('POST', '/api/apps/icy/environments/production/unfreeze', { body: {}, token: member })).status, 403, 'unfreezing takes an admin');
      const thawed = await t.call('POST', '/api/apps/icy/environments/production/unfreeze', { body: {} });
      assert.equal(thawed.body.frozen, false);
      assert.equal(thawed.body.frozenReason, null);
      const done = await waitForPromotion(t, (await promote(t, v1.id)).id);
      assert.equal(done.state, 'healthy', done.reason);
    });

    test('require approval: the promotion waits with the gate pending until an admin approves', { timeout: 180_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'gated' } });
      assert.equal((await t.call('PATCH', '/api/apps/gated/environments/production', { body: { requireApproval: true }, token: member })).status, 403);
      const policy = await t.call('PATCH', '/api/apps/gated/environments/production', { body: { requireApproval: true } });
      assert.equal(policy.body.requireApproval, true);
      assert.equal(policy.body.gapPolicy, 'fail_closed');
      const v1 = await deployVersion(t, 'gated', 'v1');
      const started = await promote(t, v1.id);
      const waiting = await waitForPromotion(t, started.id, (p) => p.gates['approval present if required']?.status === 'pending');
      assert.equal(waiting.state, 'policy_check');
      assert.equal(await findRouteOwner(t.cp.db, 'gated.localhost'), undefined, 'nothing moved while waiting');
      const timeline = (await t.call('GET', `/api/operations/${started.id}`)).body.timeline as Array<{ sentence: string }>;
      assert.ok(timeline.some((e) => /Waiting for approval/.test(e.sentence)));

      assert.equal((await t.call('POST', `/api/promotions/${started.id}/approve`, { body: {}, token: member })).status, 403, 'approving takes an admin');
      const approved = await t.call('POST', `/api/promotions/${started.id}/approve`, { body: { reason: 'reviewed the preview' } });
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      const done = await waitForPromotion(t, started.id);
      assert.equal(done.state, 'healthy', done.reason);
      assert.equal(done.gates['approval present if required'].status, 'pass');
      assert.equal(done.gates['approval present if required'].evidence.approval.reason, 'reviewed the preview');
      const again = await t.call('POST', `/api/promotions/${started.id}/approve`, { body: {} });
      assert.equal(again.status, 409, 'an ended promotion takes no approval');
    });

    test('a freeze while a promotion waits fails it with the freeze reason, who and when', { timeout: 180_000 }, async () => {
      const { t } = plane;
      const v2 = await deployVersion(t, 'gated', 'v2');
      const started = await promote(t, v2.id);
      await waitForPromotion(t, started.id, (p) => p.gates['approval present if required']?.status === 'pending');
      await t.call('POST', '/api/apps/gated/environments/production/freeze', { body: { reason: 'incident 42' } });
      const failed = await waitForPromotion(t, started.id);
      assert.equal(failed.state, 'failed');
      assert.match(failed.reason, /frozen by admin.* at \S+: incident 42/);
      const owner = await findRouteOwner(t.cp.db, 'gated.localhost');
      assert.notEqual(owner?.deploymentId, v2.id);
      await t.call('POST', '/api/apps/gated/environments/production/unfreeze', { body: {} });
    });

    test('the API: not promotable, short ids, idempotency keys, paging, and 404 for what is not a promotion', { timeout: 180_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'apis' } });
      const broken = await t.call('POST', '/api/apps/apis/deployments', { body: { git: { url: 'file:///nonexistent/repo', ref: 'main' } } });
      const notReady = await t.call('POST', `/api/deployments/${broken.body.id}/promote`, { body: {} });
      assert.equal(notReady.status, 409);
      assert.equal(notReady.body.error.code, 'deployment_not_promotable');
      assert.equal((await t.call('POST', '/api/apps/apis/rollback', { body: {} })).body.error.code, 'nothing_to_roll_back');

      const v1 = await deployVersion(t, 'apis', 'v1');
      const headers = { 'idempotency-key': 'promote-apis-v1' };
      const first = await t.call('POST', `/api/deployments/${v1.shortId}/promote`, { body: {}, headers });
      assert.equal(first.status, 202, JSON.stringify(first.body));
      assert.equal(first.body.deploymentId, v1.id, 'a short id names the deployment');
      const replay = await t.call('POST', `/api/deployments/${v1.shortId}/promote`, { body: {}, headers });
      assert.equal(replay.body.id, first.body.id);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal((await waitForPromotion(t, first.body.id)).state, 'healthy');
      const already = await t.call('POST', `/api/deployments/${v1.id}/promote`, { body: {} });
      assert.equal(already.body.error.code, 'deployment_not_promotable');
      assert.match(already.body.error.message, /already serves apis\.localhost/);
      assert.equal((await t.call('POST', '/api/apps/apis/rollback', { body: {} })).body.error.code, 'nothing_to_roll_back');

      const v2 = await deployVersion(t, 'apis', 'v2');
      await waitForPromotion(t, (await promote(t, v2.id)).id);
      const page1 = await t.call('GET', '/api/apps/apis/promotions?limit=1');
      assert.equal(page1.body.items.length, 1);
      assert.equal(page1.body.items[0].deploymentId, v2.id, 'newest first');
      const page2 = await t.call('GET', `/api/apps/apis/promotions?limit=1&cursor=${page1.body.nextCursor}`);
      assert.equal(page2.body.items[0].deploymentId, v1.id);
      assert.equal((await t.call('GET', `/api/promotions/${v1.operationId}`)).status, 404, 'a deploy operation is not a promotion');
      const env = await t.call('GET', '/api/apps/apis/environments/production');
      assert.equal(env.body.deploymentId, v2.id, 'production runs the promoted deployment');
      assert.equal(env.body.productionHost, 'apis.localhost');
    });
  });
}
