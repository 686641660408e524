import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { sleepyEnvironment, sleepyHost, startSleepingApp, type SleepingApp, type SleepingAppOptions } from '../test-support/sleeping-app.js';
import { timedRequest, type TimedReply } from '../test-support/timed-request.js';

// POST Action While Cold, on a real edge in front of an allocation that counts every request it
// receives: an unsafe request is never seen twice by the app, whatever the retries and restarts.
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

const post = (a: SleepingApp, options: { key?: string; body?: string; path?: string; method?: string } = {}): Promise<TimedReply> => timedRequest(a.edge.port, {
  host: sleepyHost, method: options.method ?? 'POST', path: options.path ?? '/actions/save', body: options.body ?? '{"title":"draft 1"}',
  headers: { 'content-type': 'application/json', ...(options.key !== undefined ? { 'idempotency-key': options.key } : {}) },
});

const code = (reply: TimedReply) => (reply.status === 200 ? 200 : `${reply.status} ${reply.json().error.code}`);

test('POST Action While Cold without an Idempotency-Key: a retryable 503, the wake starts, and the app never sees it', async () => {
  const a = await sleeping({ manifest: '[run]\ncommand = "x"\n[[routes]]\npath = "/orders/*"\nclass = "unsafe"\nidempotency = "required"\n' });
  const reply = await post(a);
  assert.equal(reply.status, 503);
  assert.equal(reply.headers['retry-after'], '1');
  assert.equal(reply.json().error.code, 'unsafe_request_not_held');
  await eventually(() => a.cp.traffic.wakeRequests.length === 1, { message: 'the wake is requested' });
  assert.deepEqual(a.cp.traffic.wakeRequests[0], { environmentId: sleepyEnvironment, requestClass: 'unsafe', trigger: { method: 'POST', path: '/actions/save', idempotencyKey: false } });
  assert.equal(code(await post(a, { path: '/orders/7' })), '503 unsafe_request_not_held', 'a route that requires a key, without one');
  a.wake();
  await eventually(async () => (await post(a)).status === 200, { message: 'hot: proxied once, as ever' });
  assert.equal(a.allocations[0]!.count('POST'), 1);
});

test('a body over the hold limit is not held: 503, and the wake starts', async () => {
  const a = await sleeping({ edge: { traffic: { holdBodyLimitBytes: 1_024 } } });
  const reply = await post(a, { key: 'big-1', body: 'x'.repeat(2_000) });
  assert.equal(code(reply), '503 unsafe_request_not_held');
  await eventually(() => a.cp.traffic.wakeRequests.length === 1);
  assert.equal(a.allocations[0]!.count(), 0);
});

test('POST Action While Cold with an Idempotency-Key: held and forwarded exactly once; retries get 409, then the kept answer; another request under the key gets 422; an edge restart changes none of it', async () => {
  const a = await sleeping();
  const first = post(a, { key: 'order-42' });
  await held(a, 1);
  assert.deepEqual(a.cp.traffic.wakeRequests[0]?.trigger, { method: 'POST', path: '/actions/save', idempotencyKey: true });
  // Retries while the first is held: none is held again, none reaches the app.
  const whileHeld = await Promise.all(Array.from({ length: 20 }, () => post(a, { key: 'order-42' })));
  assert.deepEqual([...new Set(whileHeld.map(code))], ['409 idempotency_key_in_flight']);
  assert.equal(code(await post(a, { key: 'order-42', path: '/actions/delete' })), '422 idempotency_key_reused');

  a.wake();
  const answer = await first;
  assert.equal(answer.status, 200);
  const seen = answer.json<{ method: string; bytes: number }>();
  assert.deepEqual([seen.method, seen.bytes], ['POST', 19]);
  assert.equal(answer.headers['idempotent-replayed'], undefined);

  const repeats = await Promise.all(Array.from({ length: 20 }, () => post(a, { key: 'order-42' })));
  for (const repeat of repeats) {
    assert.equal(repeat.status, 200);
    assert.equal(repeat.headers['idempotent-replayed'], 'true');
    assert.equal(repeat.text, answer.text, 'the kept answer, byte for byte');
  }
  assert.equal(code(await post(a, { key: 'order-42', body: '{"title":"draft 2"}' })), '422 idempotency_key_reused');
  assert.equal(code(await post(a, { key: 'order-42', method: 'PUT' })), '422 idempotency_key_reused');

  await a.restartEdge();
  const afterRestart = await post(a, { key: 'order-42' });
  assert.equal(afterRestart.status, 200);
  assert.equal(afterRestart.headers['idempotent-replayed'], 'true');
  assert.equal(afterRestart.text, answer.text);
  assert.equal(a.allocations[0]!.count('POST'), 1, 'the app saw the request once, whatever the retries and the restart');
});

test('an edge that stops while a keyed request is held never sent it: the retry is held and forwarded once', async () => {
  const a = await sleeping();
  const first = post(a, { key: 'held-then-restart' });
  await held(a, 1);
  await a.restartEdge();
  assert.equal(code(await first), '503 app_waking', 'the stopping edge answers what it held, and sends none of it');
  const retry = post(a, { key: 'held-then-restart' });
  await eventually(() => a.cp.traffic.wakeRequests.length === 2, { message: 'the restarted edge asks for (joins) the wake' });
  a.wake();
  assert.equal((await retry).status, 200);
  assert.equal(a.allocations[0]!.count('POST'), 1);
});

test('an edge that stops while a keyed request is in flight never sends it again: the key stays in flight (or keeps the failure) until it expires', async () => {
  const a = await sleeping();
  const first = post(a, { key: 'in-flight-restart', path: '/hold' });
  first.catch(() => {});
  await held(a, 1);
  a.wake();
  await eventually(() => a.allocations[0]!.count('POST') === 1, { message: 'the held request reaches the app' });
  await a.restartEdge();
  a.allocations[0]!.release();
  const retry = await post(a, { key: 'in-flight-restart', path: '/hold' });
  // The record was on disk as in flight before the request went upstream; the cut attempt may
  // have been recorded (502) before the edge stopped. Either way the app is not asked again.
  assert.ok(['409 idempotency_key_in_flight', '502 upstream_unreachable'].includes(String(code(retry))), String(code(retry)));
  assert.equal(a.allocations[0]!.count('POST'), 1);
});
