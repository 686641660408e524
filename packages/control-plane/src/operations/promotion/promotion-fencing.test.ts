import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { listEvents } from '../../engine/operations-store.js';
import { findRouteOwner } from '../../routes/route-owners.js';
import type { Db } from '../../store/db.js';
import { storeBackends } from '../../testing/index.js';
import { deployVersion, ownerEvents, promote, SimulatedEdge, startPromotionPlane, waitForPromotion, type PromotionPlane } from './test-support/promotion-fixture.js';

/**
 * Holds the next `count` route swaps of a promotion where they start, as a paused process would.
 * The first one's lease is expired at once (as the clock would), so the engine takes the promotion
 * over; later ones keep their lease. `release(i)` lets the i-th go on.
 */
function swapStalls(db: () => Db, count: number) {
  const held: Array<{ operationId: string; release: () => void }> = [];
  const waiting: Array<() => void> = [];
  return {
    held,
    async hold(operationId: string): Promise<void> {
      if (held.length >= count) return;
      const index = held.length;
      const released = new Promise<void>((resolve) => held.push({ operationId, release: resolve }));
      if (index === 0) await db().query('UPDATE operations SET lease_expires_at = $2 WHERE id = $1', [operationId, new Date(Date.now() - 1000)]);
      for (const wake of waiting.splice(0)) wake();
      await released;
    },
    /** Resolves once `n` swaps are held. */
    async reached(n: number): Promise<void> {
      while (held.length < n) await new Promise<void>((resolve) => waiting.push(resolve));
    },
    releaseAll(): void {
      for (const h of held) h.release();
    },
  };
}

/**
 * A late report: a promotion step that holds its lease stalls until the lease runs out and the
 * operation is taken over, then tries its swap. The engine's fencing token, the operation's
 * version, refuses it, and the refusal is in the timeline. A promotion that already ended stays as
 * it ended; one still under way fails with "late worker report" rather than act on a report it
 * cannot order, and the route owner stays where the last recorded route event put it.
 */
for (const { backend, skip } of await storeBackends()) {
  describe(`promotion fencing on ${backend}`, { skip }, () => {
    let plane: PromotionPlane;
    let db: Db;
    let stalls = swapStalls(() => db, 0);
    before(async () => {
      plane = await startPromotionPlane(backend, {
        leaseMs: 2000,
        // Long enough that an edge that does not acknowledge keeps a promotion in edge_propagating.
        propagationDeadlineMs: 120_000,
        beforeRouteSwap: (operationId) => stalls.hold(operationId),
      });
      db = plane.t.cp.db;
    });
    after(async () => {
      stalls.releaseAll();
      await plane?.dispose();
    });

    test('a swap attempted after the promotion was taken over and finished is refused and recorded; nothing changes', { timeout: 180_000 }, async () => {
      const { t } = plane;
      stalls = swapStalls(() => db, 1);
      await t.call('POST', '/api/apps', { body: { name: 'fenced' } });
      const v1 = await deployVersion(t, 'fenced', 'v1');
      const started = await promote(t, v1.id);
      const done = await waitForPromotion(t, started.id);
      assert.equal(done.state, 'healthy', done.reason);
      assert.equal(stalls.held[0]?.operationId, started.id, 'the first attempt stalled before its swap');
      const events = await listEvents(db, started.id);
      const takeover = events.find((e) => e.type === 'lease' && /Taken over from .*lease expired/.test(e.sentence));
      assert.ok(takeover, 'the timeline shows the takeover');

      stalls.releaseAll();
      const refused = await eventually(async () => (await listEvents(db, started.id)).find((e) => /late report was refused/.test(e.sentence)), { timeoutMs: 30_000, message: 'the late swap was refused and recorded' });
      assert.match(refused.sentence, /the route owner swap acts on version \d+ \(state "route_cas"\), but the operation is at version \d+ \(state "healthy"\)/);
      assert.equal((refused.evidence.refused as { action: string }).action, 'route owner swap');
      const owner = await findRouteOwner(db, 'fenced.localhost');
      assert.deepEqual([owner?.deploymentId, owner?.epoch], [v1.id, 1]);
      assert.equal((await ownerEvents(db, 'fenced.localhost')).length, 1, 'the route owner moved exactly once');
      const after = (await t.call('GET', `/api/promotions/${started.id}`)).body;
      assert.deepEqual([after.state, after.failureMode], ['healthy', null], 'the late report changed nothing');
    });

    test('a swap attempted late while the takeover waits for the edges: failed with "late worker report", the owner moved once', { timeout: 180_000 }, async () => {
      const { t } = plane;
      stalls = swapStalls(() => db, 1);
      await t.call('POST', '/api/apps', { body: { name: 'fencedlive' } });
      const v1 = await deployVersion(t, 'fencedlive', 'v1');
      const edge = await SimulatedEdge.register(db, 'edge-behind', { acknowledging: false });
      try {
        const started = await promote(t, v1.id);
        await waitForPromotion(t, started.id, (p) => p.state === 'edge_propagating');
        assert.equal(stalls.held[0]?.operationId, started.id);
        const swapped = await findRouteOwner(db, 'fencedlive.localhost');
        assert.deepEqual([swapped?.deploymentId, swapped?.epoch], [v1.id, 1], 'the takeover swapped');

        stalls.releaseAll();
        const done = await waitForPromotion(t, started.id);
        assert.equal(done.state, 'failed', done.reason);
        assert.equal(done.failureMode, 'late worker report');
        assert.match(done.reason, /tried the route owner swap \(acting on version \d+, state "route_cas"\) after the promotion moved on to version \d+ \(state "edge_propagating"\)/);
        assert.match(done.reason, new RegExp(`fencedlive\\.localhost is on ${v1.id} at epoch 1 \\(route event \\d+, written by this promotion\\), where the last recorded route event put it`));
        assert.doesNotMatch(done.reason, /put back/, 'production runs what the route owner names');

        const events = await listEvents(db, started.id);
        const refusal = events.findIndex((e) => /late report was refused: the route owner swap/.test(e.sentence));
        const failure = events.findIndex((e) => e.type === 'transition' && e.to === 'failed');
        assert.ok(refusal >= 0 && failure > refusal, 'the timeline shows the refusal, then the failure');
        assert.equal(events[failure]!.evidence.failureMode, 'late worker report');
        assert.deepEqual(events[failure]!.evidence.routeOwner, { hostname: 'fencedlive.localhost', deploymentId: v1.id, digest: v1.digest, epoch: 1, seq: (events[failure]!.evidence.routeOwner as { seq: number }).seq });

        const owner = await findRouteOwner(db, 'fencedlive.localhost');
        assert.deepEqual([owner?.deploymentId, owner?.epoch], [v1.id, 1], 'the late swap changed nothing');
        assert.equal((await ownerEvents(db, 'fencedlive.localhost')).length, 1, 'the route owner moved exactly once');
        assert.equal((await t.call('GET', '/api/apps/fencedlive/environments/production')).body.deploymentId, v1.id);
      } finally {
        await edge.stop();
      }
    });

    test('a late swap while the new holder is itself before its swap: failed at once, the holder\'s swap refused, the owner never moved', { timeout: 180_000 }, async () => {
      const { t } = plane;
      stalls = swapStalls(() => db, 2);
      await t.call('POST', '/api/apps', { body: { name: 'fencedboth' } });
      const v1 = await deployVersion(t, 'fencedboth', 'v1');
      const started = await promote(t, v1.id);
      await stalls.reached(2);
      assert.deepEqual(stalls.held.map((h) => h.operationId), [started.id, started.id], 'the takeover stalled before its swap too, holding a live lease');

      stalls.held[0]!.release();
      const done = await waitForPromotion(t, started.id);
      assert.equal(done.state, 'failed', done.reason);
      assert.equal(done.failureMode, 'late worker report');
      assert.match(done.reason, /fencedboth\.localhost has no route owner yet; production's run was put back to what it ran before/);

      // The holder it was taken from goes on to its swap: refused in turn, the promotion already ended.
      stalls.held[1]!.release();
      await eventually(async () => (await listEvents(db, started.id)).filter((e) => /late report was refused/.test(e.sentence)).length === 2, { timeoutMs: 30_000, message: 'the preempted holder\'s swap was refused and recorded' });
      const events = await listEvents(db, started.id);
      const second = events.filter((e) => /late report was refused/.test(e.sentence))[1]!;
      assert.match(second.sentence, /\(state "failed"\)/);
      assert.equal(events.filter((e) => e.type === 'transition' && e.to === 'failed').length, 1, 'it failed once');
      assert.equal(await findRouteOwner(db, 'fencedboth.localhost'), undefined, 'the route owner never moved');
      assert.equal((await ownerEvents(db, 'fencedboth.localhost')).length, 0);
      const [run] = await db.query<{ desired_count: number }>("SELECT e.desired_count FROM environments e JOIN apps a ON a.id = e.app_id WHERE a.name = 'fencedboth' AND e.kind = 'production'");
      assert.equal(run?.desired_count, 0, 'production runs nothing again, as before the promotion');
      assert.equal((await t.call('GET', `/api/promotions/${started.id}`)).body.state, 'failed');
    });
  });
}
