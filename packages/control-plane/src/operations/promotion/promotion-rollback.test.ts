import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { findRouteOwner, removeRouteOwners } from '../../routes/route-owners.js';
import { storeBackends } from '../../testing/index.js';
import { deployVersion, ownerEvents, productionAllocations, promote, SimulatedEdge, startPromotionPlane, waitForPromotion, type PromotionPlane } from './test-support/promotion-fixture.js';

const deadlineMs = 2000;

/**
 * Going back: an edge that does not acknowledge makes a promotion roll back within its deadline to
 * the old owner, whose allocations were kept; a rollback is a promotion of an earlier digest with
 * no build, refused when the earlier artifact cannot run on the schema applied since.
 */
for (const { backend, skip } of await storeBackends()) {
  describe(`promotion rollback on ${backend}`, { skip }, () => {
    let plane: PromotionPlane;
    before(async () => {
      plane = await startPromotionPlane(backend, { propagationDeadlineMs: deadlineMs });
    });
    after(async () => plane?.dispose());

    test('an edge that never acknowledges: rolled back within the deadline, the old owner at epoch + 2 with its allocations', { timeout: 240_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'stall' } });
      const v1 = await deployVersion(t, 'stall', 'v1');
      assert.equal((await waitForPromotion(t, (await promote(t, v1.id)).id)).state, 'healthy');
      const v1Allocations = (await productionAllocations(t.cp.db, 'stall', v1.id)).map((a) => a.id);
      assert.ok(v1Allocations.length > 0);

      const v2 = await deployVersion(t, 'stall', 'v2');
      const edge = await SimulatedEdge.register(t.cp.db, 'edge-stalled', { acknowledging: false });
      try {
        const started = await promote(t, v2.id);
        const done = await waitForPromotion(t, started.id);
        assert.equal(done.state, 'rolled_back', done.reason);
        assert.equal(done.failureMode, null);
        assert.equal(done.epoch, 2);
        assert.equal(done.rollbackEpoch, 3, 'the route owner moved back: epoch + 2');
        assert.match(done.reason, /edge-stalled \(applied \d+\) did not apply route event \d+ within 2000 ms/);
        const swapped = (await t.call('GET', `/api/operations/${started.id}`)).body.timeline.find((e: { to: string }) => e.to === 'edge_propagating');
        const took = Date.parse(done.finishedAt) - Date.parse(swapped.evidence.swappedAt);
        assert.ok(took >= deadlineMs, `rolled back after the deadline, not before (${took} ms)`);
        const owner = await findRouteOwner(t.cp.db, 'stall.localhost');
        assert.deepEqual([owner?.deploymentId, owner?.digest, owner?.epoch], [v1.id, v1.digest, 3]);
        const events = await ownerEvents(t.cp.db, 'stall.localhost');
        assert.deepEqual(events.map((e) => [e.deployment_id, e.epoch]), [[v1.id, 1], [v2.id, 2], [v1.id, 3]]);
        assert.equal(events[2]!.operation_id, started.id, 'the promotion itself moved it back');
        const kept = await productionAllocations(t.cp.db, 'stall', v1.id);
        assert.deepEqual(kept.map((a) => a.id), v1Allocations, 'the old owner\'s allocations were never stopped');
        assert.ok(kept.every((a) => a.state === 'ready'));
        await eventually(async () => (await productionAllocations(t.cp.db, 'stall', v2.id)).length === 0, { timeoutMs: 30_000, message: 'v2\'s production allocations drain' });
        assert.equal((await t.call('GET', '/api/apps/stall/environments/production')).body.deploymentId, v1.id);

        // The same, with the edge reporting a gap in the feed: the failure mode says so.
        const v3 = await deployVersion(t, 'stall', 'v3');
        await edge.gapOnNextOwnerChange('expected seq 41, got 43');
        const gapped = await promote(t, v3.id);
        const rolled = await waitForPromotion(t, gapped.id);
        assert.equal(rolled.state, 'rolled_back');
        assert.equal(rolled.failureMode, 'edge replay gap');
        assert.match(rolled.reason, /expected seq 41, got 43/);
        assert.equal((await findRouteOwner(t.cp.db, 'stall.localhost'))?.deploymentId, v1.id);
      } finally {
        await edge.stop();
      }
      // A promotion that rolled back is not where a rollback goes.
      const none = await t.call('POST', '/api/apps/stall/rollback', { body: {} });
      assert.equal(none.status, 409);
      assert.equal(none.body.error.code, 'nothing_to_roll_back');
    });

    test('rollback points production at the earlier digest, with no build', { timeout: 240_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'back' } });
      const v1 = await deployVersion(t, 'back', 'v1');
      const v2 = await deployVersion(t, 'back', 'v2');
      await waitForPromotion(t, (await promote(t, v1.id)).id);
      await waitForPromotion(t, (await promote(t, v2.id)).id);
      const builds = async () => ((await t.cp.db.query<{ n: number }>("SELECT count(*)::int AS n FROM operations WHERE kind = 'deploy' AND id IN (SELECT operation_id FROM deployments d JOIN apps a ON a.id = d.app_id WHERE a.name = 'back')"))[0]!.n);
      assert.equal(await builds(), 2);

      const res = await t.call('POST', '/api/apps/back/rollback', { body: {} });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.rollback, true);
      assert.equal(res.body.deploymentId, v1.id, 'the deployment production served before');
      const done = await waitForPromotion(t, res.body.id);
      assert.equal(done.state, 'healthy', done.reason);
      assert.equal(done.digest, v1.digest);
      assert.equal(done.epoch, 3);
      assert.match(done.gates['runtime services ready'].evidence.schema.reason, /no migration was applied/);
      const owner = await findRouteOwner(t.cp.db, 'back.localhost');
      assert.deepEqual([owner?.deploymentId, owner?.digest], [v1.id, v1.digest]);
      assert.equal(await builds(), 2, 'no build ran');

      // Back again, naming the deployment by its short id.
      const forward = await t.call('POST', '/api/apps/back/rollback', { body: { to: v2.shortId } });
      assert.equal(forward.status, 202, JSON.stringify(forward.body));
      assert.equal((await waitForPromotion(t, forward.body.id)).state, 'healthy');
      assert.equal((await findRouteOwner(t.cp.db, 'back.localhost'))?.digest, v2.digest);
      assert.equal(await builds(), 2);

      // Frozen, production refuses a newer deployment but still takes a rollback ("Bad Deploy": freeze, then roll back).
      await t.call('POST', '/api/apps/back/environments/production/freeze', { body: { reason: 'error rate up' } });
      const v3 = await deployVersion(t, 'back', 'v3');
      assert.equal((await t.call('POST', `/api/deployments/${v3.id}/promote`, { body: {} })).body.error.code, 'environment_frozen');
      const older = await promote(t, v1.id);
      assert.equal(older.rollback, true, 'promoting an older deployment than production\'s is a rollback');
      assert.equal((await waitForPromotion(t, older.id)).state, 'healthy');
      assert.equal((await findRouteOwner(t.cp.db, 'back.localhost'))?.digest, v1.digest);
      await t.call('POST', '/api/apps/back/environments/production/unfreeze', { body: {} });
    });

    test('rollback to a deployment production served, after its preview was removed: production on its digest, proved by the route event, no build', { timeout: 240_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'pruned' } });
      const v1 = await deployVersion(t, 'pruned', 'v1');
      assert.equal((await waitForPromotion(t, (await promote(t, v1.id)).id)).state, 'healthy');
      const v2 = await deployVersion(t, 'pruned', 'v2');
      assert.equal((await waitForPromotion(t, (await promote(t, v2.id)).id)).state, 'healthy');
      const ordinary = (await t.call('GET', `/api/apps/pruned/promotions`)).body.items[0];
      assert.equal(ordinary.gates['preview artifact exactly matches'].evidence.proof, 'preview', 'an ordinary promotion proves its bytes by its preview');

      // v1's preview goes away, as deleting or pruning a preview does: its route owner is removed.
      const removePreview = async (deploymentId: string) => {
        const [row] = await t.cp.db.query<{ preview_environment_id: string }>('SELECT preview_environment_id FROM deployments WHERE id = $1', [deploymentId]);
        await t.cp.db.transaction((tx) => removeRouteOwners(tx, row!.preview_environment_id, new Date()));
        t.cp.routeFeed.poke();
      };
      await removePreview(v1.id);
      assert.equal(await findRouteOwner(t.cp.db, v1.previewHost), undefined);
      const builds = async () => ((await t.cp.db.query<{ n: number }>("SELECT count(*)::int AS n FROM operations WHERE kind = 'deploy' AND id IN (SELECT operation_id FROM deployments d JOIN apps a ON a.id = d.app_id WHERE a.name = 'pruned')"))[0]!.n);
      assert.equal(await builds(), 2);

      const res = await t.call('POST', '/api/apps/pruned/rollback', { body: {} });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.deploymentId, v1.id);
      const done = await waitForPromotion(t, res.body.id);
      assert.equal(done.state, 'healthy', done.reason);
      const gate = done.gates['preview artifact exactly matches'];
      assert.equal(gate.status, 'pass');
      assert.equal(gate.evidence.proof, 'served in production');
      assert.equal(gate.evidence.previewOwner, null);
      assert.deepEqual([gate.evidence.productionRouteEvent.hostname, gate.evidence.productionRouteEvent.epoch], ['pruned.localhost', 1]);
      assert.match(gate.evidence.reason, /production gets sha256:[0-9a-f]{64}, the artifact production served at epoch 1 \(route event \d+; its preview is gone\), verified in the artifact store/);
      const owner = await findRouteOwner(t.cp.db, 'pruned.localhost');
      assert.deepEqual([owner?.deploymentId, owner?.digest, owner?.epoch], [v1.id, v1.digest, 3]);
      assert.equal(await builds(), 2, 'no build ran');

      // Without its preview, a deployment production never served is refused: promoted or rolled back to.
      const v3 = await deployVersion(t, 'pruned', 'v3');
      await removePreview(v3.id);
      const promoted = await waitForPromotion(t, (await promote(t, v3.id)).id);
      assert.equal(promoted.state, 'failed');
      assert.match(promoted.gates['preview artifact exactly matches'].evidence.reason, /does not serve .* of deployment/);
      const back = await t.call('POST', '/api/apps/pruned/rollback', { body: { to: v3.shortId } });
      assert.equal(back.status, 202, JSON.stringify(back.body));
      const refused = await waitForPromotion(t, back.body.id);
      assert.equal(refused.state, 'failed');
      assert.match(refused.gates['preview artifact exactly matches'].evidence.reason, /production never served it: a rollback goes back only to bytes production served/);
      assert.equal((await findRouteOwner(t.cp.db, 'pruned.localhost'))?.deploymentId, v1.id, 'production stays on v1');
      assert.equal(await builds(), 3, 'only v3\'s own deploy built');
    });

    test('rollback over a migration that dropped a column the earlier artifact uses: failed, DB rollback unsafe, naming it', { timeout: 240_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'schema' } });
      const manifest = '[run]\ncommand = "node server.js"\nhealth = "/healthz"\n\n[database]\nmigrations = "migrations"\n';
      const create = 'CREATE TABLE items (id bigint PRIMARY KEY, note text);\n';
      const v1 = await deployVersion(t, 'schema', 'v1', { 'berth.toml': manifest, 'migrations/0001_items.sql': create });
      assert.equal(v1.state, 'preview_ready', v1.reason ?? '');
      let v2 = await deployVersion(t, 'schema', 'v2', { 'berth.toml': manifest, 'migrations/0001_items.sql': create, 'migrations/0002_drop_note.sql': 'ALTER TABLE items DROP COLUMN note;\n' });
      assert.equal(v2.failureMode, 'migration blocks preview');
      await t.call('POST', `/api/deployments/${v2.id}/approve`, { body: { reason: 'notes are gone' } });
      v2 = await eventually(async () => {
        const d = (await t.call('GET', `/api/deployments/${v2.id}`)).body;
        return d.state === 'preview_ready' ? d : undefined;
      }, { timeoutMs: 60_000 });
      await waitForPromotion(t, (await promote(t, v1.id)).id);
      assert.equal((await waitForPromotion(t, (await promote(t, v2.id)).id)).state, 'healthy');

      const res = await t.call('POST', '/api/apps/schema/rollback', { body: {} });
      assert.equal(res.status, 202);
      const done = await waitForPromotion(t, res.body.id);
      assert.equal(done.state, 'failed');
      assert.equal(done.failureMode, 'DB rollback unsafe');
      assert.match(done.reason, /0002_drop_note/);
      const gate = done.gates['runtime services ready'];
      assert.equal(gate.status, 'fail');
      assert.ok(gate.evidence.schema.blocking.some((b: { file: string }) => b.file === '0002_drop_note.sql'), JSON.stringify(gate.evidence));
      const owner = await findRouteOwner(t.cp.db, 'schema.localhost');
      assert.deepEqual([owner?.deploymentId, owner?.epoch], [v2.id, 2], 'production stays where it was');
    });
  });
}
