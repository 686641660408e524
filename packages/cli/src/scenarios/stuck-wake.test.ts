import assert from 'node:assert/strict';
import { availableParallelism, loadavg } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { explain, parseJson, runCli, sandbox, type Sandbox } from '../test-support/run-cli.js';
import { heldGets } from './held-gets-client.js';
import { startTrafficPlane, type TrafficPlane } from './traffic-plane.js';

const app = 'stuck';
const host = 'stuck.localhost';
const budgetMs = 3000;
/** Sleeps after 2 s; a wake may hold requests for 3 s; its health path fails while the secret HEALTH_MODE is "broken". */
const manifest = ['[scale]', 'min = 0', 'max = 1', 'sleep_after = "2s"', `wake_budget = "${budgetMs / 1000}s"`, '', '[secrets]', 'required = ["HEALTH_MODE"]'].join('\n');

/**
 * The "Stuck Wake" runbook of seeds/002 on real processes: an app that deployed and promoted
 * healthy, then sleeps, and whose next allocation never passes readiness (its secret changed).
 * The held requests get their 503 at the wake budget, the wake fails with "readiness timeout" and
 * never reaches hot, and `berth wake status` (the real CLI) shows what a person needs to repair it.
 */
describe('a wake whose readiness never passes, on real processes', () => {
  let plane: TrafficPlane;
  let box: Sandbox;

  before(async () => {
    // The wake's readiness deadline is the larger of this and the app's wake budget: both 3 s.
    plane = await startTrafficPlane({ wakeReadinessTimeoutMs: budgetMs });
    box = await sandbox();
    await plane.createApp(app, { HEALTH_MODE: 'ok' });
    await plane.promote((await plane.deploy(app, manifest)).id);
  });
  after(async () => {
    await plane?.dispose();
    await box?.remove();
  });

  test('Readiness that never passes', async () => {
    await plane.setSecret(app, 'HEALTH_MODE', 'broken');
    await plane.waitAsleep(app);
    const wakesBefore = (await plane.wakes(app)).length;
    const allocationsBefore = (await plane.call('GET', `/api/apps/${app}/allocations?env=production&all=true&limit=200`)).body.items.length;

    // Timed from a process of its own: this one also runs the control plane.
    const replies = await heldGets({ port: plane.edge.port, host, path: '/dashboard', count: 20 });
    const waited = `waited ${replies.map((r) => Math.round(r.ms)).join(', ')} ms for a budget of ${budgetMs} ms (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`;
    for (const reply of replies) {
      assert.deepEqual([reply.status, reply.retryAfter], [503, '1'], JSON.stringify(reply));
      assert.ok(reply.code === 'app_waking' || reply.code === 'wake_failed', JSON.stringify(reply));
      assert.ok(reply.ms >= budgetMs - 100 && reply.ms <= budgetMs + 1000, waited);
    }

    const wakes = await plane.wakes(app);
    assert.equal(wakes.length, wakesBefore + 1, 'one wake for twenty held requests');
    const wake = await eventually(async () => {
      const op = (await plane.call('GET', `/api/operations/${wakes[0].id}`)).body;
      return op.state === 'failed' ? op : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100, message: 'the wake failed' });
    assert.equal(wake.failureMode, 'readiness timeout');
    assert.ok(!wake.timeline.some((e: { to: string | null }) => e.to === 'hot'), 'never hot');
    assert.equal(wake.gates['allocation passes readiness'].status, 'fail');
    const attempts = (await plane.call('GET', `/api/apps/${app}/allocations?env=production&all=true&limit=200`)).body.items;
    assert.equal(attempts.length, allocationsBefore + 1, 'one allocation attempt');
    const attempt = (await plane.call('GET', `/api/allocations/${attempts[0].id}`)).body;
    assert.ok(!attempt.timeline.some((e: { to: string | null }) => e.to === 'ready'), 'the attempt was never ready');

    // The runbook, as a person runs it: exit 1 because the latest wake failed.
    const env = box.env({ BERTH_API_URL: plane.api, BERTH_TOKEN: plane.adminToken });
    const status = await eventually(async () => {
      const result = await runCli(['wake', 'status', '--app', app, '--json'], { env });
      assert.equal(result.code, 1, explain(result));
      const s = parseJson(result);
      return s.readiness.lastLogs.some((l: { text: string }) => l.text.includes('HEALTH_MODE is broken')) ? s : undefined;
    }, { timeoutMs: 20_000, intervalMs: 500, message: 'berth wake status shows the app\'s last output' });
    assert.equal(status.wake.id, wake.id);
    assert.deepEqual([status.wake.state, status.wake.failureMode], ['failed', 'readiness timeout']);
    assert.ok(!status.wake.timeline.some((e: { to: string | null }) => e.to === 'hot'));
    assert.equal(status.allocation.id, attempts[0].id, 'the allocation attempt');
    assert.notEqual(status.allocation.state, 'ready');
    assert.deepEqual(status.allocation.pull.map((p: { to: string }) => p.to), ['pulling', 'starting'], 'the artifact pull');
    assert.equal(status.readiness.path, '/healthz');
    assert.deepEqual(status.secrets, [{ name: 'HEALTH_MODE', set: true, from: 'environment' }]);
    assert.match(status.repair, /did not pass readiness/);
    assert.match(status.repair, /berth logs --app stuck/, 'a repair hint');
    assert.equal(status.sleep.state, 'sleeping', 'put back to sleep');

    const text = await runCli(['wake', 'status', '--app', app], { env });
    assert.equal(text.code, 1, explain(text));
    assert.match(text.stdout, /readiness timeout/);
    assert.match(text.stdout, /repair:/);
  });
});
