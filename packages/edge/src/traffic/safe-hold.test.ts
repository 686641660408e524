import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, test } from 'node:test';
import { createHash } from 'node:crypto';
import { assetManifestChecksum } from '@berth/core';
import { eventually } from '@berth/testkit';
import type { EdgeLogEntry } from '../edge-context.js';
import { sleepyEnvironment, sleepyHost, startSleepingApp, type SleepingApp, type SleepingAppOptions } from '../test-support/sleeping-app.js';
import { timedRequest } from '../test-support/timed-request.js';

// A sleeping app behind a real edge. The allocations are real HTTP servers that count what they
// receive; the stand-in control plane records the wake requests. Each test asserts what the edge
// did: held, proxied, answered.
const run = promisify(execFile);
let app: SleepingApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function sleeping(options: SleepingAppOptions = {}): Promise<SleepingApp> {
  app = await startSleepingApp(options);
  return app;
}

const held = (a: SleepingApp, count: number) => eventually(
  () => a.cp.traffic.activityReports.some((report) => report.environments.some((e) => e.environmentId === sleepyEnvironment && e.inFlight === count)),
  { timeoutMs: 20_000, message: `the edge reports ${count} requests in flight` },
);

test('GET Page While Sleeping: a safe request asks for the wake, is held, and is proxied once the route gains a ready target', async () => {
  const a = await sleeping();
  const pending = timedRequest(a.edge.port, { host: sleepyHost, path: '/dashboard?tab=2' });
  await eventually(() => a.cp.traffic.wakeRequests.length === 1, { message: 'the wake is requested' });
  assert.deepEqual(a.cp.traffic.wakeRequests[0], { environmentId: sleepyEnvironment, requestClass: 'safe', trigger: { method: 'GET', path: '/dashboard' } });
  await held(a, 1);
  assert.equal(a.allocations[0]!.count(), 0, 'nothing reaches the allocation before it is a target');
  a.wake();
  const reply = await pending;
  assert.equal(reply.status, 200);
  assert.equal(reply.json<{ backend: string; url: string }>().backend, 'a1');
  assert.equal(reply.json<{ url: string }>().url, '/dashboard?tab=2');
  assert.equal(a.allocations[0]!.count(), 1);
  // Hot now: the next request goes straight through, with no new wake.
  assert.equal((await timedRequest(a.edge.port, { host: sleepyHost })).status, 200);
  assert.equal(a.cp.traffic.wakeRequests.length, 1);
});

test('budget exhaustion: every held request is answered 503 with Retry-After at its budget; browsers get a page', async (t) => {
  const budgetMs = 1_500;
  const log: EdgeLogEntry[] = [];
  const a = await sleeping({ wakeBudgetMs: budgetMs, edge: { requestLog: (entry) => log.push(entry) } });
  // 200 clients in another process: the edge's event loop is its own, as in production.
  const client = fileURLToPath(new URL('../test-support/held-load-client.js', import.meta.url));
  const { stdout } = await run(process.execPath, [client, JSON.stringify({ port: a.edge.port, host: sleepyHost, count: 200, pathPrefix: '/page/' })], { maxBuffer: 1 << 24 });
  const replies = stdout.trim().split('\n').map((line) => JSON.parse(line) as { i: number; status: number; retryAfter: string; contentType: string; code: string; waitedMs: number });
  assert.equal(replies.length, 200);
  for (const reply of replies) {
    assert.deepEqual([reply.status, reply.retryAfter, reply.code], [503, '1', reply.i % 2 === 0 ? 'html:app_waking' : 'app_waking'], `request ${reply.i}`);
    assert.match(reply.contentType, reply.i % 2 === 0 ? /^text\/html/ : /^application\/json/);
  }
  // Every hold has its own timer at its deadline; what is left is event-loop lag. On a quiet
  // machine the edge answers all of them within 100 ms of the budget (the bench holds it to that,
  // in bench/, and this test prints what it saw); a machine busy with other work (a benchmark at
  // high priority beside this test) stretches the lag, so here the edge's own clock (arrival to
  // answer) must show none early, the median within 500 ms and every one within a second (DESIGN
  // rule 4: never held without an answer); the client's clock, in its own process, the same.
  const held = log.filter((entry) => entry.status === 503 && entry.heldMs !== undefined).map((entry) => entry.heldMs!).sort((x, y) => x - y);
  assert.equal(held.length, 200);
  t.diagnostic(`held ms: min ${held[0]}, median ${held[100]}, p95 ${held[189]}, max ${held[199]} for a ${budgetMs} ms budget`);
  assert.ok(held[0]! >= budgetMs - 2, `a request was answered after ${held[0]} ms, before its ${budgetMs} ms budget ran out`);
  assert.ok(held[100]! <= budgetMs + 500, `the median hold was ${held[100]} ms, for a ${budgetMs} ms budget`);
  assert.ok(held[199]! <= budgetMs + 1_000, `the longest hold was ${held[199]} ms, for a ${budgetMs} ms budget`);
  for (const reply of replies) assert.ok(reply.waitedMs <= budgetMs + 1_000, `request ${reply.i} waited ${Math.round(reply.waitedMs)} ms`);
  assert.equal(a.cp.traffic.wakeRequests.length, 1, 'one wake for 200 held requests');
  assert.equal(a.allocations[0]!.count(), 0);
});

test('a client that leaves frees its slot at once', async () => {
  const a = await sleeping({ edge: { traffic: { maxHeldRequests: 1 } } });
  let cut: (() => void) | undefined;
  const first = timedRequest(a.edge.port, { host: sleepyHost, path: '/first', onSent: (socket) => (cut = () => socket.destroy()) });
  first.catch(() => {});
  await held(a, 1);
  const refused = await timedRequest(a.edge.port, { host: sleepyHost, path: '/second' });
  assert.equal(refused.status, 503);
  assert.equal(refused.json().error.code, 'wake_hold_full');
  cut!();
  await held(a, 0);
  const third = timedRequest(a.edge.port, { host: sleepyHost, path: '/third' });
  await held(a, 1);
  a.wake();
  const reply = await third;
  assert.equal(reply.status, 200, 'the freed slot held the third request until the app woke');
  assert.deepEqual(a.allocations[0]!.seen.map((seen) => seen.url), ['/third'], 'the client that left was never proxied');
});

test('a wake that fails answers every held request 503 at once, with the failure mode', async () => {
  const a = await sleeping({ wakeBudgetMs: 20_000 });
  const pending = Promise.all([0, 1, 2].map((i) => timedRequest(a.edge.port, { host: sleepyHost, path: `/p${i}` })));
  await held(a, 3);
  a.cp.traffic.wake = { state: 'failed', failureMode: 'readiness_timeout', reason: 'readiness did not pass within 5 s' };
  for (const reply of await pending) {
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['retry-after'], '1');
    const { error } = reply.json();
    assert.equal(error.code, 'wake_failed');
    assert.equal(error.details?.['failureMode'], 'readiness_timeout');
    assert.match(error.message, /readiness did not pass/);
    assert.ok(reply.waitedMs < 10_000, 'answered when the wake failed, not at the budget');
  }
  assert.equal(a.allocations[0]!.count(), 0);
});

test('a wake that failed after its held requests were answered at the budget does not fail the next burst: the edge asks again', async () => {
  const budgetMs = 400;
  const a = await sleeping({ wakeBudgetMs: budgetMs });
  const first = await timedRequest(a.edge.port, { host: sleepyHost, path: '/first' });
  assert.equal(first.status, 503);
  assert.equal(first.json().error.code, 'app_waking');
  assert.equal(a.cp.traffic.wakeRequests.length, 1);
  // The wake fails on the control plane after the edge stopped holding anything for it; the next
  // wake the control plane gives is a fresh one, still starting.
  a.cp.traffic.wake = { state: 'failed', failureMode: 'readiness_timeout', reason: 'readiness did not pass' };
  await new Promise((resolve) => setTimeout(resolve, budgetMs + 100));
  a.cp.traffic.wake = { state: 'starting', failureMode: null, reason: null };
  const second = await timedRequest(a.edge.port, { host: sleepyHost, path: '/second' });
  assert.equal(a.cp.traffic.wakeRequests.length, 2, 'a new wake call, not the stale ticket');
  assert.equal(second.status, 503);
  assert.equal(second.json().error.code, 'app_waking', 'held to the budget for the new wake, not answered wake_failed at once');
  assert.ok(second.waitedMs >= budgetMs - 50, `held ${second.waitedMs} ms`);
});

test('1,000 concurrent GETs while cold make exactly one wake request, and every one is answered 200 once the app is ready', async () => {
  const a = await sleeping({ wakeBudgetMs: 60_000 });
  const pending = Promise.all(Array.from({ length: 1_000 }, (_, i) => timedRequest(a.edge.port, { host: sleepyHost, path: `/s/${i}` })));
  await held(a, 1_000);
  assert.equal(a.cp.traffic.wakeRequests.length, 1, 'one wake request for a thousand held requests');
  a.wake();
  const replies = await pending;
  assert.deepEqual([...new Set(replies.map((reply) => reply.status))], [200]);
  assert.equal(a.allocations[0]!.count(), 1_000);
  assert.equal(a.cp.traffic.wakeRequests.length, 1);
});

test('a path that cannot be read is refused 400 and wakes nothing', async () => {
  const a = await sleeping();
  const reply = await timedRequest(a.edge.port, { host: sleepyHost, path: '/a/%2e%2e/admin' });
  assert.equal(reply.status, 400);
  assert.equal(reply.json().error.code, 'request_path_malformed');
  assert.equal(a.cp.traffic.wakeRequests.length, 0);
});

test('a wake the control plane refuses answers the held request 503 at once, with its code', async () => {
  const a = await sleeping();
  a.cp.traffic.wakeRefusal = { status: 409, code: 'nothing_to_wake', message: 'This environment has nothing a wake could start.' };
  const reply = await timedRequest(a.edge.port, { host: sleepyHost, path: '/x', headers: { accept: 'application/json' } });
  assert.equal(reply.status, 503);
  const { error } = reply.json();
  assert.deepEqual([error.code, error.details?.['failureMode']], ['wake_failed', 'nothing_to_wake']);
  assert.equal(error.message, 'The app could not be woken (nothing_to_wake): This environment has nothing a wake could start.');
  assert.ok(reply.waitedMs < 5_000);
});

test('activity: the edge reports the last request and what is open per environment, and only when there is news', async () => {
  const a = await sleeping({ hot: true });
  const before = Date.now();
  assert.equal((await timedRequest(a.edge.port, { host: sleepyHost })).status, 200);
  const report = await eventually(() => a.cp.traffic.activityReports.find((r) => r.environments.some((e) => e.environmentId === sleepyEnvironment)), { message: 'a report' });
  const entry = report.environments.find((e) => e.environmentId === sleepyEnvironment)!;
  assert.deepEqual([entry.inFlight, entry.openSessions], [0, 0]);
  assert.ok(Date.parse(entry.lastRequestAt!) >= before - 1_000);
  const count = a.cp.traffic.activityReports.length;
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(a.cp.traffic.activityReports.length, count, 'no news, no report');
});

test('Immutable Asset Request: served by the edge while the app sleeps; no wake call, nothing reaches the app, no activity', async () => {
  const digest = `sha256:${'ad'.repeat(32)}`;
  const css = Buffer.from('body { color: teal; }\n');
  const manifest = [{ path: '/assets/app.css', file: 'public/app.css', digest: `sha256:${createHash('sha256').update(css).digest('hex')}`, size: css.length, contentType: 'text/css; charset=utf-8' }];
  const a = await sleeping({
    manifest: '[run]\ncommand = "x"\n[assets]\ndir = "public"\n', digest,
    policy: { assets: { prefix: '/assets/', immutable: true, count: 1, checksum: assetManifestChecksum(manifest) } },
  });
  a.cp.manifests.set(digest, manifest);
  a.cp.files.set(`${digest} /assets/app.css`, css);
  for (let i = 0; i < 3; i++) {
    const reply = await timedRequest(a.edge.port, { host: sleepyHost, path: '/assets/app.css' });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, css.toString());
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(a.cp.traffic.wakeRequests.length, 0, 'an asset never wakes the app');
  assert.equal(a.allocations[0]!.count(), 0);
  assert.ok(!a.cp.traffic.activityReports.some((r) => r.environments.some((e) => e.lastRequestAt !== null)), 'nor keeps it awake');
  // A path under the prefix that the manifest does not list is the app's: it wakes it.
  const missing = timedRequest(a.edge.port, { host: sleepyHost, path: '/assets/generated.css' });
  await eventually(() => a.cp.traffic.wakeRequests.length === 1);
  a.wake();
  assert.equal((await missing).status, 200);
});
