import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { listEvents } from '../../engine/operations-store.js';
import { storeBackends } from '../../testing/index.js';
import { deploySleepyApp, liveAllocations, putToSleep, startWakePlane, waitForWake, type SleepyApp, type WakePlane } from './test-support/wake-fixture.js';

const extraToml = ['[secrets]', 'required = ["API_KEY"]', '', '[live]', 'path = "/live"', 'resumable = true', 'state_schema = "v1"', 'store = "sessions"', ''].join('\n');

/**
 * The "Stuck Wake" runbook: readiness that never passes ends the wake failed with "readiness
 * timeout", a reason and a repair hint, never hot, and puts the app back to sleep; the status
 * answer shows the wake, the allocation attempt, the artifact pull, secrets and bindings by name,
 * and the readiness output, to the app's organization only.
 */
for (const { backend, skip } of await storeBackends()) {
  describe(`stuck wake on ${backend}`, { skip }, () => {
    let plane: WakePlane;
    let app: SleepyApp;
    let envName: string;
    before(async () => {
      plane = await startWakePlane(backend, { wakeReadinessTimeoutMs: 4000 });
      const { t } = plane;
      assert.equal((await t.call('POST', '/api/apps', { body: { name: 'stuck' } })).status, 201);
      assert.equal((await t.call('PUT', '/api/apps/stuck/environments/production/secrets/API_KEY', { body: { value: 'not-printed-anywhere' } })).status, 200);
      app = await deploySleepyApp(plane, 'stuck', { wakeBudget: '1s' }, extraToml);
      envName = (await t.cp.db.query<{ name: string }>('SELECT name FROM environments WHERE id = $1', [app.environmentId]))[0]!.name;
    });
    after(async () => plane?.dispose());

    test('readiness that never passes: failed with "readiness timeout", a reason and a hint, never hot, one attempt, back to sleep', { timeout: 240_000 }, async () => {
      const { t, runner } = plane;
      await putToSleep(plane, app);
      runner.behaviour = (a) => (a.deploymentId === app.deploymentId ? 'hold' : 'ready');
      const startsBefore = runner.started.length;
      const edge = await plane.edge('stuck-edge');
      const wake = await t.call('POST', '/api/edges/wakes', { token: edge.token, body: { environmentId: app.environmentId, requestClass: 'safe', trigger: { method: 'GET', path: '/dashboard' } } });
      assert.equal(wake.body.budgetMs, 1000);
      const failed = await waitForWake(plane, edge.token, wake.body.wakeId);
      assert.equal(failed.state, 'failed');
      assert.equal(failed.failureMode, 'readiness timeout');
      assert.match(failed.reason, /did not pass readiness: allocation alloc_\S+ was still starting at the deadline/);
      assert.match(failed.reason, /GET \/healthz had not answered 2xx/);
      assert.match(failed.reason, /warming up/, 'the app\'s last output is in the reason');
      assert.match(failed.reason, /berth logs --app stuck/, 'the reason ends with a repair hint');
      assert.match(failed.reason, /put back to sleep/);
      const timeline = await listEvents(t.cp.db, wake.body.wakeId);
      assert.ok(!timeline.some((e) => e.to === 'hot'), 'never hot');
      const gate = timeline.find((e) => e.type === 'gate' && e.evidence.gate === 'allocation passes readiness');
      assert.equal(gate?.evidence.status, 'fail');
      assert.ok((gate?.evidence.lastLogs as Array<{ text: string }>).some((l) => /warming up/.test(l.text)));
      assert.equal(runner.started.length - startsBefore, 1, 'one allocation attempt');
      const [env] = await t.cp.db.query<{ desired_count: number; sleep_state: string }>('SELECT desired_count, sleep_state FROM environments WHERE id = $1', [app.environmentId]);
      assert.deepEqual([env!.desired_count, env!.sleep_state], [0, 'sleeping'], 'a broken app does not keep running');
      await eventually(async () => (await liveAllocations(t, app.environmentId)).length === 0, { timeoutMs: 30_000, message: 'the attempt is stopped' });

      const status = await t.call('GET', `/api/apps/stuck/wake?env=${envName}`);
      assert.equal(status.status, 200, JSON.stringify(status.body));
      const s = status.body;
      assert.equal(s.wake.id, wake.body.wakeId);
      assert.equal(s.wake.failureMode, 'readiness timeout');
      assert.equal(s.wake.gates['allocation passes readiness'].status, 'fail');
      assert.ok(s.wake.timeline.some((e: { to: string | null }) => e.to === 'failed'));
      assert.equal(s.wake.requests.counts.safe, 1);
      assert.equal(s.allocation.id, runner.started.at(-1));
      assert.equal(s.allocation.hostName, 'wake-runner');
      assert.deepEqual(s.allocation.pull.map((p: { to: string }) => p.to), ['pulling', 'starting']);
      assert.equal(s.artifact.verified.status, 'pass');
      assert.equal(s.artifact.deploymentId, app.deploymentId);
      assert.deepEqual(s.secrets, [{ name: 'API_KEY', set: true, from: 'deploy target' }]);
      assert.deepEqual(s.bindings.map((b: { name: string; set: boolean; secret: string }) => [b.name, b.set, b.secret]), [['sessions', false, 'BERTH_BINDING_SESSIONS']]);
      assert.equal(s.readiness.path, '/healthz');
      assert.ok(s.readiness.lastLogs.some((l: { text: string }) => /warming up/.test(l.text)));
      assert.equal(s.sleep.state, 'sleeping');
      assert.match(s.repair, /berth logs --app stuck/);
      assert.ok(!JSON.stringify(s).includes('not-printed-anywhere'), 'never a secret value');
    });

    test('a wake in flight: the answer shows the attempt, and the next request wakes the app once it is repaired', { timeout: 240_000 }, async () => {
      const { t, runner } = plane;
      runner.behaviour = (a) => (a.deploymentId === app.deploymentId ? 'gated' : 'ready');
      const edge = await plane.edge('stuck-edge-2');
      const wake = await t.call('POST', '/api/edges/wakes', { token: edge.token, body: { environmentId: app.environmentId, requestClass: 'safe', trigger: { method: 'GET', path: '/' } } });
      // A wake failed within the last minute; its gates count it, and this one is allowed.
      await waitForWake(plane, edge.token, wake.body.wakeId, (w) => w.state === 'readiness_wait');
      const during = await eventually(async () => {
        const body = (await t.call('GET', `/api/apps/stuck/wake?env=${envName}`)).body;
        return body.allocation?.state === 'starting' && runner.states.get(body.allocation.id) === 'starting' ? body : undefined;
      }, { timeoutMs: 30_000, message: 'the status shows the attempt starting' });
      assert.equal(during.wake.state, 'readiness_wait');
      assert.deepEqual(during.allocation.pull.map((p: { to: string }) => p.to), ['pulling', 'starting']);
      assert.match(during.repair, /A wake is under way \(readiness_wait\)/);
      runner.release(during.allocation.id);
      assert.equal((await waitForWake(plane, edge.token, wake.body.wakeId)).state, 'hot');
      const hot = (await t.call('GET', `/api/apps/stuck/wake?env=${envName}`)).body;
      assert.equal(hot.allocation.state, 'ready');
      assert.equal(hot.allocation.health.status, 'pass');
      assert.match(hot.repair, /Bind the session store "sessions" with `berth secrets set BERTH_BINDING_SESSIONS=/);
    });

    test('the status answer is the app\'s organization\'s only', { timeout: 60_000 }, async () => {
      const { t } = plane;
      const orgB = await t.call('POST', '/api/orgs', { body: { name: 'stuck-other' } });
      assert.equal(orgB.status, 201);
      for (const url of [`/api/apps/stuck/wake?env=${envName}`, '/api/apps/stuck/wake', `/api/apps/${app.app}/wake?env=production`]) {
        const res = await t.call('GET', url, { token: orgB.body.secret });
        assert.equal(res.status, 404, url);
        assert.equal(res.body.error.code, 'not_found');
      }
      assert.equal((await t.call('GET', '/api/apps/stuck/wake?env=nope')).status, 404);
      const production = await t.call('GET', '/api/apps/stuck/wake');
      assert.equal(production.status, 200);
      assert.equal(production.body.wake, null);
      assert.match(production.body.repair, /no route owner yet: deploy and promote/);
    });
  });
}
