import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seedAllocation, seedApp, seedDeployment, seedHost, makeReady } from '../route-feed/feed-fixtures.js';
import { listEvents } from '../engine/operations-store.js';
import { startTestControlPlane, storeBackends, type TestControlPlane } from '../testing/index.js';

for (const { backend, skip } of await storeBackends()) {
  describe(`sessions cut at the drain deadline (${backend})`, { skip }, () => {
    let t: TestControlPlane;
    before(async () => {
      t = await startTestControlPlane({ backend });
    });
    after(async () => t?.close());

    test('an edge\'s drain report lands on the allocation\'s timeline with the count; a malformed one is refused', async () => {
      const app = await seedApp(t.cp.db);
      const deployment = await seedDeployment(t.cp.db, app);
      const allocation = await seedAllocation(t.cp.engine, app, deployment, await seedHost(t.cp.db));
      await makeReady(t.cp.engine, t.cp.db, allocation, { host: '127.0.0.1', port: 45_000 });
      const joinToken = await t.cp.createJoinToken('edge', 60_000);
      const edge = (await t.call('POST', '/api/edges/register', { token: null, body: { joinToken, name: 'e1', transport: 'embedded', version: 'test' } })).body;

      const report = (drains: unknown) => t.call('POST', '/api/edges/activity', { token: edge.token, body: { environments: [], drains } });
      assert.equal((await report([{ environmentId: app.production, allocationId: allocation.allocationId, sessionsClosedAtDeadline: 3 }])).status, 200);
      const notes = (await listEvents(t.cp.db, allocation.operationId)).filter((e) => e.type === 'note');
      const cut = notes.find((e) => e.sentence.startsWith('Session still active at drain deadline'));
      assert.ok(cut, JSON.stringify(notes));
      assert.match(cut!.sentence, /closed 3 live sessions/);
      assert.deepEqual([cut!.evidence.failureMode, cut!.evidence.sessionsClosedAtDeadline, cut!.actor], ['session still active at drain deadline', 3, 'edge e1']);

      // Nothing cut, an unknown allocation: nothing recorded; a negative count: refused.
      assert.equal((await report([{ environmentId: app.production, allocationId: allocation.allocationId, sessionsClosedAtDeadline: 0 }, { environmentId: app.production, allocationId: 'alloc_nope', sessionsClosedAtDeadline: 2 }])).status, 200);
      assert.equal((await listEvents(t.cp.db, allocation.operationId)).filter((e) => e.sentence.startsWith('Session still active')).length, 1);
      assert.equal((await report([{ environmentId: app.production, allocationId: allocation.allocationId, sessionsClosedAtDeadline: -1 }])).status, 400);
      assert.equal((await t.call('POST', '/api/edges/activity', { token: 'berth_edge.bad.token', body: { environments: [] } })).status, 401);
    });
  });
}
