import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { findOperation, listEvents } from '../engine/operations-store.js';
import { storeBackends } from '../testing/index.js';
import { deploySleepyApp, liveAllocations, putToSleep, startWakePlane, waitForWake, type WakePlane } from '../operations/wake/test-support/wake-fixture.js';

const minutes = (n: number) => n * 60_000;
/** Edge reports stay fresh however far the sleep controller is run ahead. */
const freshEdges = { edgeTimeoutMs: minutes(600) };

async function environmentRow(plane: WakePlane, id: string) {
  const [row] = await plane.t.cp.db.query<{ desired_count: number; sleep_state: string; sleeping_since: Date | null; sleep_evidence: any }>(
    'SELECT desired_count, sleep_state, sleeping_since, sleep_evidence FROM environments WHERE id = $1',
    [id],
  );
  return row!;
}

/**
 * Sleep: an environment whose deployment declares `[scale] min = 0` sleeps once no edge has seen a
 * request for sleep_after and none has a session or request open (its allocations drain), and the
 * wake that woke it ends in `sleeping` with the evidence of why. The controller runs as if later
 * (its clock), so sleep_after is real (10 minutes) without a test waiting for it.
 */
for (const { backend, skip } of await storeBackends()) {
  describe(`sleep on ${backend}`, { skip }, () => {
    let plane: WakePlane;
    before(async () => {
      plane = await startWakePlane(backend);
    });
    after(async () => plane?.dispose());

    test('min 0 sleeps after sleep_after with no activity, and not while a session is open', { timeout: 240_000 }, async () => {
      const { t } = plane;
      const app = await deploySleepyApp(plane, 'dozy');
      const started = Date.now();
      assert.deepEqual(await plane.sleepNow({ at: started + minutes(5) }), [], 'its start counts as activity: not idle for sleep_after yet');

      const edge = await plane.edge('dozy-edge');
      const report = (openSessions: number, inFlight = 0) => t.call('POST', '/api/edges/activity', {
        token: edge.token, body: { environments: [{ environmentId: app.environmentId, lastRequestAt: new Date().toISOString(), openSessions, inFlight }, { environmentId: 'env_01ARZ3NDEKTSV4RRFFQ69G5FAV', lastRequestAt: null, openSessions: 0, inFlight: 0 }] },
      });
      const reported = await report(1);
      assert.equal(reported.status, 200, JSON.stringify(reported.body));
      assert.equal(reported.body.recorded, 1, 'an unknown environment is skipped');
      assert.deepEqual(await plane.sleepNow({ at: Date.now() + minutes(60), ...freshEdges }), [], 'an open live session keeps the app awake');
      assert.equal((await environmentRow(plane, app.environmentId)).desired_count, 1);

      await report(0);
      const lastRequest = Date.now();
      assert.deepEqual(await plane.sleepNow({ at: lastRequest + minutes(5), ...freshEdges }), [], 'idle, but not for sleep_after yet');
      assert.deepEqual(await plane.sleepNow({ at: lastRequest + minutes(11), ...freshEdges }), [app.environmentId]);
      const env = await environmentRow(plane, app.environmentId);
      assert.deepEqual([env.desired_count, env.sleep_state], [0, 'sleeping']);
      assert.match(env.sleep_evidence.reason, /no request on any edge since .* sleep_after is 600 s/);
      assert.equal(env.sleep_evidence.edges[0].edgeName, 'dozy-edge');
      assert.equal(env.sleep_evidence.edges[0].openSessions, 0);
      await eventually(async () => (await liveAllocations(t, app.environmentId)).length === 0, { timeoutMs: 30_000, message: 'its allocations drain and stop' });

      const envName = (await t.cp.db.query<{ name: string }>('SELECT name FROM environments WHERE id = $1', [app.environmentId]))[0]!.name;
      const status = (await t.call('GET', `/api/apps/dozy/wake?env=${envName}`)).body;
      assert.equal(status.sleep.state, 'sleeping');
      assert.equal(status.sleep.edges[0].edgeName, 'dozy-edge');
      assert.match(status.repair, /the app sleeps/);
      assert.equal((await t.call('POST', '/api/edges/activity', { token: null, body: { environments: [] } })).status, 401);
    });

    test('a hot wake ends in sleeping with why; in-flight requests count as activity; the next request starts a new wake', { timeout: 240_000 }, async () => {
      const { t } = plane;
      const app = await deploySleepyApp(plane, 'napper');
      await putToSleep(plane, app);
      const edge = await plane.edge('napper-edge');
      const body = { environmentId: app.environmentId, requestClass: 'safe', trigger: { method: 'GET', path: '/' } };
      const wake = await t.call('POST', '/api/edges/wakes', { token: edge.token, body });
      assert.equal((await waitForWake(plane, edge.token, wake.body.wakeId)).state, 'hot');

      const report = (inFlight: number) => t.call('POST', '/api/edges/activity', { token: edge.token, body: { environments: [{ environmentId: app.environmentId, lastRequestAt: new Date().toISOString(), openSessions: 0, inFlight }] } });
      await report(2);
      assert.deepEqual(await plane.sleepNow({ at: Date.now() + minutes(30), ...freshEdges }), [], 'a long request in flight is activity');
      await report(0);
      assert.deepEqual(await plane.sleepNow({ at: Date.now() + minutes(11), ...freshEdges }), [app.environmentId]);
      const slept = (await findOperation(t.cp.db, wake.body.wakeId))!;
      assert.equal(slept.state, 'sleeping');
      const last = (await listEvents(t.cp.db, slept.id)).at(-1)!;
      assert.equal(last.to, 'sleeping');
      assert.match(last.sentence, /napper\/preview-\S+ went idle: no request on any edge since/);
      assert.equal((last.evidence.edges as Array<{ edgeName: string }>)[0]!.edgeName, 'napper-edge');

      const next = await t.call('POST', '/api/edges/wakes', { token: edge.token, body });
      assert.notEqual(next.body.wakeId, wake.body.wakeId);
      assert.equal(next.body.attached, false);
      assert.equal((await waitForWake(plane, edge.token, next.body.wakeId)).state, 'hot');
    });

    test('scaling a hot app to 0 ends its wake; scaling a sleeping app up wakes it without a wake', { timeout: 240_000 }, async () => {
      const { t } = plane;
      const app = await deploySleepyApp(plane, 'scaler');
      const envName = (await t.cp.db.query<{ name: string }>('SELECT name FROM environments WHERE id = $1', [app.environmentId]))[0]!.name;
      await putToSleep(plane, app);
      const edge = await plane.edge('scaler-edge');
      const wake = await t.call('POST', '/api/edges/wakes', { token: edge.token, body: { environmentId: app.environmentId, requestClass: 'safe', trigger: { method: 'GET', path: '/' } } });
      assert.equal((await waitForWake(plane, edge.token, wake.body.wakeId)).state, 'hot');
      assert.equal((await t.call('PUT', `/api/apps/scaler/environments/${envName}/scale`, { body: { count: 0 } })).status, 200);
      await plane.sleepNow();
      assert.equal((await findOperation(t.cp.db, wake.body.wakeId))!.state, 'sleeping', 'nothing behind a hot wake: it is over');

      await t.cp.db.query("UPDATE environments SET sleep_state = 'sleeping' WHERE id = $1", [app.environmentId]);
      assert.equal((await t.call('PUT', `/api/apps/scaler/environments/${envName}/scale`, { body: { count: 1 } })).status, 200);
      await plane.sleepNow();
      assert.equal((await environmentRow(plane, app.environmentId)).sleep_state, 'awake');
      assert.deepEqual(await plane.sleepNow({ at: Date.now() + minutes(5) }), [], 'the scale is activity: a full sleep_after from now');
    });
  });
}
