import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { findRouteOwner } from '../../routes/route-owners.js';
import { deployFolder, examplesDir, storeBackends, waitForDeployment } from '../../testing/index.js';
import { deployVersion, productionAllocations, promote, startPromotionPlane, waitForPromotion, type PromotionPlane } from './test-support/promotion-fixture.js';

/**
 * A promotion never waits forever: no approval within approvalTimeoutMs, or no ready production
 * allocation within promotionReadyTimeoutMs, fails it with a reason, and production keeps running
 * what it ran. An assets-only app needs no allocation at all.
 */
for (const { backend, skip } of await storeBackends()) {
  describe(`promotion deadlines on ${backend}`, { skip }, () => {
    let plane: PromotionPlane;
    const held = new Set<string>();
    before(async () => {
      plane = await startPromotionPlane(backend, { approvalTimeoutMs: 1500, promotionReadyTimeoutMs: 6000 }, { hold: (a) => held.has(a.deploymentId) && a.env.BERTH_ENVIRONMENT === 'production' });
    });
    after(async () => plane?.dispose());

    test('no approval within the deadline: failed with a reason, nothing moved', { timeout: 120_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'waits' } });
      await t.call('PATCH', '/api/apps/waits/environments/production', { body: { requireApproval: true } });
      const v1 = await deployVersion(t, 'waits', 'v1');
      const done = await waitForPromotion(t, (await promote(t, v1.id)).id);
      assert.equal(done.state, 'failed');
      assert.equal(done.gates['approval present if required'].status, 'fail');
      assert.match(done.reason, /no approval was recorded within 2 s/);
      assert.equal(await findRouteOwner(t.cp.db, 'waits.localhost'), undefined);
    });

    test('no ready production allocation within the deadline: failed, and production keeps the old deployment', { timeout: 180_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'slow' } });
      const v1 = await deployVersion(t, 'slow', 'v1');
      assert.equal((await waitForPromotion(t, (await promote(t, v1.id)).id)).state, 'healthy');
      const v2 = await deployVersion(t, 'slow', 'v2');
      held.add(v2.id);
      const done = await waitForPromotion(t, (await promote(t, v2.id)).id);
      assert.equal(done.state, 'failed');
      assert.equal(done.gates['runtime services ready'].status, 'fail');
      assert.match(done.reason, new RegExp(`no production allocation of ${v2.id} passed readiness within 6 s`));
      assert.equal((await findRouteOwner(t.cp.db, 'slow.localhost'))?.deploymentId, v1.id);
      assert.equal((await t.call('GET', '/api/apps/slow/environments/production')).body.deploymentId, v1.id, 'production runs v1 again');
      assert.ok((await productionAllocations(t.cp.db, 'slow', v1.id)).some((a) => a.state === 'ready'));
      await eventually(async () => (await productionAllocations(t.cp.db, 'slow', v2.id)).length === 0, { timeoutMs: 30_000, message: 'v2\'s production allocations are stopped' });
    });

    test('an assets-only app is promoted with no allocation', { timeout: 120_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'site' } });
      const res = await deployFolder(t, 'site', join(examplesDir(), 'static-site'));
      const site = await waitForDeployment(t, res.body.id, ['preview_ready', 'failed', 'blocked']);
      assert.equal(site.state, 'preview_ready', site.reason);
      const done = await waitForPromotion(t, (await promote(t, site.id)).id);
      assert.equal(done.state, 'healthy', done.reason);
      assert.equal(done.gates['runtime services ready'].evidence.desiredCount, 0);
      assert.equal((await productionAllocations(t.cp.db, 'site', site.id)).length, 0);
    });
  });
}
