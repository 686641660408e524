import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { listEvents } from '../../engine/operations-store.js';
import { findRouteOwner } from '../../routes/route-owners.js';
import type { Db } from '../../store/db.js';
import { storeBackends } from '../../testing/index.js';
import { deployVersion, ownerEvents, promote, startPromotionPlane, waitForPromotion, type PromotionPlane } from './test-support/promotion-fixture.js';

/**
 * A late report: a promotion step that holds its lease, stalls (as a paused process would) until
 * the lease runs out and the operation is taken over and finished, then tries its swap. The
 * engine's fencing token, the operation's version, refuses it; the refusal is in the timeline and
 * the route owner moved exactly once.
 */
for (const { backend, skip } of await storeBackends()) {
  describe(`promotion fencing on ${backend}`, { skip }, () => {
    let plane: PromotionPlane;
    let db: Db;
    let stalled: string | undefined;
    let released: () => void = () => {};
    before(async () => {
      plane = await startPromotionPlane(backend, {
        leaseMs: 2000,
        beforeRouteSwap: async (operationId) => {
          if (stalled !== undefined) return;
          stalled = operationId;
          // The step stalls past its lease; the test expires it at once, as the clock would.
          await db.query('UPDATE operations SET lease_expires_at = $2 WHERE id = $1', [operationId, new Date(Date.now() - 1000)]);
          await new Promise<void>((resolve) => (released = resolve));
        },
      });
      db = plane.t.cp.db;
    });
    after(async () => {
      released();
      await plane?.dispose();
    });

    test('a swap attempted after the lease was taken over is refused and recorded; the owner moved once', { timeout: 180_000 }, async () => {
      const { t } = plane;
      await t.call('POST', '/api/apps', { body: { name: 'fenced' } });
      const v1 = await deployVersion(t, 'fenced', 'v1');
      const started = await promote(t, v1.id);
      const done = await waitForPromotion(t, started.id);
      assert.equal(done.state, 'healthy', done.reason);
      assert.equal(stalled, started.id, 'the first attempt stalled before its swap');
      const events = await listEvents(db, started.id);
      const takeover = events.find((e) => e.type === 'lease' && /Taken over from .*lease expired/.test(e.sentence));
      assert.ok(takeover, 'the timeline shows the takeover');

      released();
      const refused = await eventually(async () => (await listEvents(db, started.id)).find((e) => /late report was refused/.test(e.sentence)), { timeoutMs: 30_000, message: 'the late swap was refused and recorded' });
      assert.match(refused.sentence, /the route owner swap acts on version \d+ \(state "route_cas"\), but the operation is at version \d+ \(state "healthy"\)/);
      assert.equal((refused.evidence.refused as { action: string }).action, 'route owner swap');
      const owner = await findRouteOwner(db, 'fenced.localhost');
      assert.deepEqual([owner?.deploymentId, owner?.epoch], [v1.id, 1]);
      assert.equal((await ownerEvents(db, 'fenced.localhost')).length, 1, 'the route owner moved exactly once');
      assert.equal((await t.call('GET', `/api/promotions/${started.id}`)).body.state, 'healthy', 'the late report changed nothing');
    });
  });
}
