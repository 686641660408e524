import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '@berth/core';
import { eventually } from '@berth/testkit';
import { findOperation, listEvents } from '../../engine/operations-store.js';
import { storeBackends } from '../../testing/index.js';
import { requestWake } from './request-wake.js';
import { readWakeRequests } from './wake-requests-store.js';
import { deploySleepyApp, liveAllocations, putToSleep, startWakePlane, waitForWake, wakesOf, type WakePlane } from './test-support/wake-fixture.js';

/**
 * Waking a sleeping app on a real control plane with a runner on the wire: exactly one wake per
 * environment however many requests and edges race (the store's index decides), one allocation
 * start per wake, and hot only once that allocation passed readiness.
 */
for (const { backend, skip } of await storeBackends()) {
  describe(`wake on ${backend}`, { skip }, () => {
    let plane: WakePlane;
    before(async () => {
      plane = await startWakePlane(backend);
    });
    after(async () => plane?.dispose());

    test('1,000 concurrent wake requests from two edges: one wake, one allocation start, hot only after the allocation is ready', { timeout: 240_000 }, async () => {
      const { t, runner } = plane;
      const app = await deploySleepyApp(plane, 'crowd');
      await putToSleep(plane, app);
      runner.behaviour = (a) => (a.deploymentId === app.deploymentId ? 'gated' : 'ready');
      const startsBefore = runner.started.length;
      const [a, b] = [await plane.edge('crowd-edge-a'), await plane.edge('crowd-edge-b')];
      const deps = { db: t.cp.db, engine: t.cp.engine, clock: systemClock };
      const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => requestWake(deps, {
        environmentId: app.environmentId, requestClass: i % 10 === 0 ? 'live' : 'safe', trigger: { method: 'GET', path: `/page/${i}` }, edgeId: i % 2 === 0 ? a.edgeId : b.edgeId,
      })));
      const wakeIds = new Set(answers.map((answer) => answer.wake.wakeId));
      assert.equal(wakeIds.size, 1, 'every request got the same wake');
      assert.equal(answers.filter((answer) => !answer.attached).length, 1, 'exactly one request created it');
      const wakeId = [...wakeIds][0]!;
      assert.deepEqual((await wakesOf(t, app.environmentId)).map((w) => w.id), [wakeId], 'one wake operation in the store');
      // The store itself refuses a second unfinished wake, whoever asks.
      const orgId = (await findOperation(t.cp.db, wakeId))!.orgId;
      await assert.rejects(t.cp.engine.create({ orgId, kind: 'wake', subject: { type: 'environment', id: app.environmentId }, actor: 'test' }), (error: { code?: string }) => error.code === '23505');

      // The allocation starts, but does not pass readiness yet: the wake waits and is not hot.
      await waitForWake(plane, a.token, wakeId, (w) => w.state === 'readiness_wait');
      const allocationId = await eventually(() => runner.started.slice(startsBefore).find((id) => runner.states.get(id) === 'starting'), { timeoutMs: 30_000, message: 'the allocation is starting' });
      const before = await findOperation(t.cp.db, wakeId);
      await eventually(async () => ((await findOperation(t.cp.db, wakeId))!.version >= before!.version + 4), { timeoutMs: 30_000, message: 'the wake looked again a few times' });
      assert.equal((await findOperation(t.cp.db, wakeId))!.state, 'readiness_wait', 'never hot before readiness');

      runner.release(allocationId);
      const hot = await waitForWake(plane, b.token, wakeId);
      assert.equal(hot.state, 'hot');
      const wake = (await findOperation(t.cp.db, wakeId))!;
      const gate = wake.gates['allocation passes readiness']!;
      assert.equal(gate.status, 'pass');
      assert.equal(gate.evidence.allocationId, allocationId);
      assert.equal((gate.evidence.readiness as { evidence: { status: number } }).evidence.status, 200, 'the runner\'s readiness evidence is on the gate');
      const allocation = await t.cp.db.query<{ operation_id: string }>('SELECT operation_id FROM allocations WHERE id = $1', [allocationId]);
      const readyAt = (await listEvents(t.cp.db, allocation[0]!.operation_id)).find((e) => e.to === 'ready')!.at;
      const hotAt = (await listEvents(t.cp.db, wakeId)).find((e) => e.to === 'hot')!.at;
      assert.ok(Date.parse(readyAt) <= Date.parse(hotAt), `ready at ${readyAt}, hot at ${hotAt}`);

      assert.equal(runner.started.length - startsBefore, 1, 'one allocation start for a thousand requests');
      assert.equal((await liveAllocations(t, app.environmentId)).length, 1);
      const requests = (await readWakeRequests(t.cp.db, wakeId))!;
      assert.deepEqual(requests.counts, { safe: 900, unsafe: 0, webhook: 0, live: 100 });
      assert.equal(requests.attached, 999);
      assert.deepEqual([...requests.edges].sort(), [a.edgeId, b.edgeId].sort());
      assert.equal(requests.triggers.length, 20, 'the trigger evidence is bounded');
    });

    test('an edge restarted in the middle of a wake, and another edge, attach to the same wake', { timeout: 240_000 }, async () => {
      const { t, runner } = plane;
      const app = await deploySleepyApp(plane, 'restart');
      await putToSleep(plane, app);
      runner.behaviour = (a) => (a.deploymentId === app.deploymentId ? 'gated' : 'ready');
      const startsBefore = runner.started.length;
      const wakeBody = { environmentId: app.environmentId, requestClass: 'safe', trigger: { method: 'GET', path: '/' } };
      const first = await plane.edge('restart-edge');
      const created = await t.call('POST', '/api/edges/wakes', { token: first.token, body: wakeBody });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.attached, false);
      assert.equal(created.body.budgetMs, 10_000);
      assert.equal(created.body.routeEpoch, 1);
      await waitForWake(plane, first.token, created.body.wakeId, (w) => w.state === 'readiness_wait');

      // The edge process restarts: it registers again (same name, same id, a new token) and asks again.
      const restarted = await plane.edge('restart-edge');
      assert.equal(restarted.edgeId, first.edgeId);
      const again = await t.call('POST', '/api/edges/wakes', { token: restarted.token, body: wakeBody });
      assert.deepEqual([again.status, again.body.wakeId, again.body.attached], [200, created.body.wakeId, true]);
      const other = await plane.edge('restart-edge-2');
      const third = await t.call('POST', '/api/edges/wakes', { token: other.token, body: { ...wakeBody, trigger: { method: 'POST', path: '/save', idempotencyKey: true }, requestClass: 'unsafe' } });
      assert.deepEqual([third.body.wakeId, third.body.attached], [created.body.wakeId, true]);

      runner.release(runner.started.at(-1)!);
      assert.equal((await waitForWake(plane, other.token, created.body.wakeId)).state, 'hot');
      assert.equal(runner.started.length - startsBefore, 1);
      const requests = (await readWakeRequests(t.cp.db, created.body.wakeId))!;
      assert.deepEqual(requests.counts, { safe: 2, unsafe: 1, webhook: 0, live: 0 });
      assert.deepEqual([...requests.edges].sort(), [first.edgeId, other.edgeId].sort());
      // A hot wake is still the one: a late request attaches to it and learns it is hot.
      const late = await t.call('POST', '/api/edges/wakes', { token: other.token, body: wakeBody });
      assert.deepEqual([late.body.wakeId, late.body.state, late.body.attached], [created.body.wakeId, 'hot', true]);
      // Without an edge token, nothing.
      assert.equal((await t.call('POST', '/api/edges/wakes', { token: null, body: wakeBody })).status, 401);
      assert.equal((await t.call('POST', '/api/edges/wakes', { body: wakeBody })).status, 401, 'an API token is not an edge token');
    });

    test('a webhook without a verified event id while cold fails with "payment webhook while cold"; with one, and an unsafe request without a key, the app wakes', { timeout: 240_000 }, async () => {
      const { t, runner } = plane;
      const app = await deploySleepyApp(plane, 'payhook');
      await putToSleep(plane, app);
      runner.behaviour = () => 'ready';
      const startsBefore = runner.started.length;
      const edge = await plane.edge('payhook-edge');
      const forged = await t.call('POST', '/api/edges/wakes', { token: edge.token, body: { environmentId: app.environmentId, requestClass: 'webhook', trigger: { method: 'POST', path: '/webhooks/stripe', webhook: { provider: 'stripe' } } } });
      const refused = await waitForWake(plane, edge.token, forged.body.wakeId);
      assert.equal(refused.state, 'failed');
      assert.equal(refused.failureMode, 'payment webhook while cold');
      assert.match(refused.reason, /provider was answered 503 to retry/);
      assert.match(refused.reason, /signature policy/);
      const op = (await findOperation(t.cp.db, forged.body.wakeId))!;
      assert.equal(op.gates['unsafe replay policy exists']?.status, 'fail');
      assert.equal(runner.started.length, startsBefore, 'a refused wake starts nothing');
      assert.equal((await t.cp.db.query<{ desired_count: number }>('SELECT desired_count FROM environments WHERE id = $1', [app.environmentId]))[0]!.desired_count, 0);

      const verified = await t.call('POST', '/api/edges/wakes', { token: edge.token, body: { environmentId: app.environmentId, requestClass: 'webhook', trigger: { method: 'POST', path: '/webhooks/stripe', webhook: { provider: 'stripe', eventId: 'evt_123' } } } });
      assert.notEqual(verified.body.wakeId, forged.body.wakeId, 'a failed wake is over; the next request starts a new one');
      const unsafe = await t.call('POST', '/api/edges/wakes', { token: edge.token, body: { environmentId: app.environmentId, requestClass: 'unsafe', trigger: { method: 'POST', path: '/actions/save' } } });
      assert.equal(unsafe.body.wakeId, verified.body.wakeId);
      assert.equal((await waitForWake(plane, edge.token, verified.body.wakeId)).state, 'hot');
      const woke = (await findOperation(t.cp.db, verified.body.wakeId))!;
      assert.equal(woke.gates['unsafe replay policy exists']?.evidence.eventId, 'evt_123');
      assert.deepEqual((await readWakeRequests(t.cp.db, woke.id))!.webhookEvents.map((e) => e.eventId), ['evt_123']);
    });

    test('the route owner moving during a wake fails it with "old route epoch"; past the wakes-per-minute limit, "wake stampede"', { timeout: 240_000 }, async () => {
      const { t, runner } = plane;
      const app = await deploySleepyApp(plane, 'epochs');
      await putToSleep(plane, app);
      runner.behaviour = (a) => (a.deploymentId === app.deploymentId ? 'gated' : 'ready');
      const edge = await plane.edge('epochs-edge');
      const body = { environmentId: app.environmentId, requestClass: 'safe', trigger: { method: 'GET', path: '/' } };
      const wake = await t.call('POST', '/api/edges/wakes', { token: edge.token, body });
      await waitForWake(plane, edge.token, wake.body.wakeId, (w) => w.state === 'readiness_wait');
      // Another operation moves the preview's route owner (as a redeploy or promotion would).
      await t.cp.db.query('UPDATE route_owners SET epoch = epoch + 1 WHERE hostname = $1', [app.previewHost]);
      const failed = await waitForWake(plane, edge.token, wake.body.wakeId);
      assert.equal(failed.failureMode, 'old route epoch');
      assert.match(failed.reason, new RegExp(`${app.previewHost.replaceAll('.', '\\.')} from epoch 1 to 2`));

      // Wakes that started count toward the limit of 10 per minute; the next is refused.
      runner.behaviour = () => 'ready';
      await t.cp.db.query(
        `INSERT INTO operations (id, org_id, kind, subject_type, subject_id, state, role, version, gates, run_after, created_at, updated_at, finished_at)
         SELECT 'op_stampede_' || g, org_id, 'wake', 'environment', $1, 'failed', 'terminal', 1, '{"wake budget available":{"status":"pass","evidence":{},"at":"2020-01-01T00:00:00Z"}}'::jsonb, now(), now(), now(), now()
         FROM operations, generate_series(1, 9) AS g WHERE id = $2`,
        [app.environmentId, wake.body.wakeId],
      );
      const refused = await t.call('POST', '/api/edges/wakes', { token: edge.token, body });
      const stampede = await waitForWake(plane, edge.token, refused.body.wakeId);
      assert.equal(stampede.failureMode, 'wake stampede');
      assert.match(stampede.reason, /10 wakes of this environment started within the last minute; the limit is 10/);
    });
  });
}
