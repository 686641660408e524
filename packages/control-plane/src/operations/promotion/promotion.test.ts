import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { findRouteOwner } from '../../routes/route-owners.js';
import { storeBackends } from '../../testing/index.js';
import { deployVersion, ownerEvents, productionAllocations, promote, SimulatedEdge, startPromotionPlane, waitForPromotion, type PromotionPlane } from './test-support/promotion-fixture.js';

/**
 * Promotion end to end on a real control plane, with a runner on the wire: production gets exactly
 * the artifact its preview served, by compare-and-swap on the route epoch, after its own
 * allocations are ready; the old owner keeps running until the swap has propagated.
 */
for (const { backend, skip } of await storeBackends()) {
  describe(`promotion on ${backend}`, { skip }, () => {
    let plane: PromotionPlane;
    before(async () => {
      plane = await startPromotionPlane(backend, { propagationDeadlineMs: 60_000 });
    });
    after(async () => plane?.dispose());

    test('promote: production moves to the preview\'s digest at epoch 1, then to the next deploy at epoch 2, keeping the old allocations until it ends', { timeout: 240_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'promo' } });
      const v1 = await deployVersion(t, 'promo', 'v1');
      assert.equal(v1.state, 'preview_ready', v1.reason ?? '');
      const started = await promote(t, v1.id);
      assert.equal(started.host, 'promo.localhost');
      assert.equal(started.epoch, null);
      const first = await waitForPromotion(t, started.id);
      assert.equal(first.state, 'healthy', first.reason);
      assert.equal(first.epoch, 1);
      assert.equal(first.digest, v1.digest, 'the same digest as the preview');
      for (const gate of ['preview artifact exactly matches', 'route epoch predecessor current', 'approval present if required', 'runtime services ready']) {
        assert.equal(first.gates[gate]?.status, 'pass', gate);
      }
      const owner = await findRouteOwner(t.cp.db, 'promo.localhost');
      assert.deepEqual([owner?.deploymentId, owner?.digest, owner?.epoch], [v1.id, v1.digest, 1]);
      const preview = await findRouteOwner(t.cp.db, v1.previewHost);
      assert.equal(preview?.digest, owner?.digest, 'production serves the preview\'s artifact');
      const v1Prod = await productionAllocations(t.cp.db, 'promo', v1.id);
      assert.ok(v1Prod.some((a) => a.state === 'ready'), 'a production allocation of v1 was ready before the swap');

      // An edge that holds back its acknowledgement keeps the second promotion in edge_propagating.
      const edge = await SimulatedEdge.register(t.cp.db, 'edge-slow', { acknowledging: false });
      try {
        const v2 = await deployVersion(t, 'promo', 'v2');
        assert.notEqual(v2.digest, v1.digest);
        const second = await promote(t, v2.id);
        const propagating = await waitForPromotion(t, second.id, (p) => p.state === 'edge_propagating');
        assert.equal(propagating.epoch, 2);
        assert.equal(propagating.previousDeploymentId, v1.id);
        assert.ok((await productionAllocations(t.cp.db, 'promo', v1.id)).some((a) => a.state === 'ready'), 'v1 keeps serving while the swap propagates');
        edge.acknowledging = true;
        const done = await waitForPromotion(t, second.id);
        assert.equal(done.state, 'healthy', done.reason);
        assert.equal(done.digest, v2.digest);
        await eventually(async () => (await productionAllocations(t.cp.db, 'promo', v1.id)).length === 0, { timeoutMs: 30_000, message: 'v1\'s production allocations drain once the promotion ended' });
      } finally {
        await edge.stop();
      }
      const events = await ownerEvents(t.cp.db, 'promo.localhost');
      assert.deepEqual(events.map((e) => e.epoch), [1, 2]);
      const deploys = await t.cp.db.query("SELECT count(*)::int AS n FROM operations o JOIN deployments d ON d.operation_id = o.id JOIN apps a ON a.id = d.app_id WHERE a.name = 'promo' AND o.kind = 'deploy'");
      assert.equal((deploys[0] as { n: number }).n, 2, 'promotions built nothing');
    });

    test('two promotions racing for one environment: one wins, the other fails with route epoch conflict, and the owner moved once', { timeout: 240_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'race' } });
      const [a, b] = [await deployVersion(t, 'race', 'a'), await deployVersion(t, 'race', 'b')];
      const [pa, pb] = await Promise.all([promote(t, a.id), promote(t, b.id)]);
      const results = await Promise.all([waitForPromotion(t, pa.id), waitForPromotion(t, pb.id)]);
      const winners = results.filter((p) => p.state === 'healthy');
      const losers = results.filter((p) => p.state === 'failed');
      assert.equal(winners.length, 1, JSON.stringify(results.map((p) => [p.state, p.reason])));
      assert.equal(losers.length, 1);
      assert.equal(losers[0].failureMode, 'route epoch conflict');
      assert.match(losers[0].reason, /epoch 1/);
      const events = await ownerEvents(t.cp.db, 'race.localhost');
      assert.equal(events.length, 1, 'the route owner moved exactly once');
      assert.equal(events[0]!.deployment_id, winners[0].deploymentId);
      assert.equal(events[0]!.operation_id, winners[0].id);
      const owner = await findRouteOwner(t.cp.db, 'race.localhost');
      assert.deepEqual([owner?.deploymentId, owner?.epoch], [winners[0].deploymentId, 1]);
    });
  });
}
