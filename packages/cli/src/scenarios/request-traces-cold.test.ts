import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import Stripe from 'stripe';
import { send, startTrafficPlane, type Reply, type TrafficPlane } from './traffic-plane.js';

const app = 'dozy';
const host = 'dozy.localhost';
const webhookSecret = 'whsec_scenario_0123456789abcdef';
const stripe = new Stripe('sk_test_x');
/** Sleeps after 2 s without a request; an unsafe action path; a Stripe webhook verified with the environment's secret. */
const manifest = [
  '[scale]', 'min = 0', 'max = 1', 'sleep_after = "2s"', 'wake_budget = "10s"', '',
  '[[routes]]', 'path = "/actions/*"', 'class = "unsafe"', 'idempotency = "required"', '',
  '[[webhooks]]', 'path = "/webhooks/stripe"', 'provider = "stripe"', 'secret = "STRIPE_WEBHOOK_SECRET"',
].join('\n');

/**
 * The request traces of seeds/000 that find the app asleep, on real processes: a control plane,
 * a `berth runner` child running the counting app (counting-app.ts: every request that reaches it
 * is one output line, so the app's side is what the test counts) and a `berth edge` child. Each
 * test starts once the app slept by itself (`[scale] min = 0`, `sleep_after = "2s"`).
 */
describe('request traces on a sleeping app, on real processes', () => {
  let plane: TrafficPlane;
  let deploymentId: string;
  let markers = 0;

  const through = (options: Parameters<typeof send>[2]) => send(plane.edge.port, host, options);
  const allAllocations = async () => (await plane.call('GET', `/api/apps/${app}/allocations?env=production&all=true&limit=200`)).body.items as Array<{ id: string; deploymentId: string }>;
  const newWake = async (before: number) => eventually(async () => {
    const wakes = await plane.wakes(app);
    return wakes.length === before + 1 ? wakes[0] : undefined;
  }, { timeoutMs: 20_000, intervalMs: 100, message: 'a wake was created' });
  /** The app's request lines once a marker request sent now has reached it too (it wakes the app if it slept). */
  const settledRequestLines = async () => {
    const marker = `/marker-${++markers}`;
    assert.equal((await through({ path: marker })).status, 200);
    return eventually(async () => {
      const lines = await plane.requestLines(app);
      return lines.some((line) => line.startsWith(`request GET ${marker} `)) ? lines : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200, message: 'the marker reached the app\'s output' });
  };
  const retryable503 = (reply: Reply, code: string) => {
    assert.equal(reply.status, 503, reply.body);
    assert.equal(reply.headers['retry-after'], '1');
    assert.equal(reply.json().error.code, code);
  };

  before(async () => {
    plane = await startTrafficPlane();
    await plane.createApp(app, { STRIPE_WEBHOOK_SECRET: webhookSecret });
    deploymentId = (await plane.deploy(app, manifest)).id;
    await plane.promote(deploymentId);
  });
  after(async () => plane?.dispose());

  test('GET Page While Sleeping', async () => {
    const asleep = await plane.waitAsleep(app);
    assert.equal(asleep.sleep.scale.sleepAfterMs, 2000);
    assert.match(asleep.sleep.evidence.reason, /no request on any edge/);
    const wakesBefore = (await plane.wakes(app)).length;
    const allocationsBefore = (await allAllocations()).length;

    const replies = await Promise.all(Array.from({ length: 20 }, () => through({ path: '/dashboard', headers: { accept: 'text/html' } })));
    for (const reply of replies) assert.equal(reply.status, 200, reply.body);
    const answeredBy = new Set(replies.map((reply) => reply.json().allocation));
    assert.equal(answeredBy.size, 1, 'one allocation answered them all');
    assert.ok(replies.every((reply) => reply.json().deployment === deploymentId), 'the route owner\'s deployment');

    const wakes = await plane.wakes(app);
    assert.equal(wakes.length, wakesBefore + 1, 'exactly one wake for twenty held requests');
    const allocations = await allAllocations();
    assert.equal(allocations.length, allocationsBefore + 1, 'one allocation started');
    assert.equal(allocations[0]!.id, [...answeredBy][0]);

    // The edge released the held requests on the route event that made the allocation a target;
    // the wake operation notes the readiness it waited for on its next look.
    const wake = await eventually(async () => {
      const op = (await plane.call('GET', `/api/operations/${wakes[0].id}`)).body;
      return op.timeline.some((e: { to: string | null }) => e.to === 'hot') ? op : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100, message: 'the wake is hot' });
    const transitions = wake.timeline.filter((e: { type: string }) => e.type === 'transition');
    const path = transitions.map((e: { to: string }) => e.to);
    assert.deepEqual(path.slice(0, 4), ['wake_requested', 'starting', 'readiness_wait', 'hot'], JSON.stringify(path));
    assert.equal(transitions[0].from, 'cold');
    const hotAt = transitions[3].seq;
    const readiness = wake.timeline.find((e: { type: string; evidence: { gate?: string } }) => e.type === 'gate' && e.evidence.gate === 'allocation passes readiness');
    assert.equal(readiness?.evidence.status, 'pass', JSON.stringify(wake.timeline));
    assert.ok(readiness.seq < hotAt, 'the readiness gate passed before the wake was hot');
    assert.equal(readiness.evidence.allocationId, allocations[0]!.id, JSON.stringify(readiness));
    const lines = await settledRequestLines();
    assert.equal(lines.filter((line) => line.startsWith('request GET /dashboard ')).length, 20, 'each held request reached the app once');
  });

  test('POST Action While Cold', async () => {
    await plane.waitAsleep(app);
    const wakesBefore = (await plane.wakes(app)).length;
    const post = (body: string, key?: string) => through({ method: 'POST', path: '/actions/save', body, headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) } });

    retryable503(await post('{"id":"no-key"}'), 'unsafe_request_not_held');
    // At once, while the app still wakes, the client sends its keyed POST and, impatient, five
    // more with the same key.
    const key = `order-${Date.now()}`;
    const sentAt = Date.now();
    const replies = await Promise.all(Array.from({ length: 6 }, () => post('{"id":"order-1"}', key)));

    const wake = await newWake(wakesBefore);
    const gate = wake.gates['request class safe to hold'];
    assert.deepEqual([gate.status, gate.evidence.requestClass, gate.evidence.idempotencyKey, gate.evidence.held], ['pass', 'unsafe', false, false], 'the POST without a key started the wake, and was not held');
    const [woken] = await allAllocations();
    const readyAt = (await plane.call('GET', `/api/allocations/${woken!.id}`)).body.timeline.find((e: { to: string | null }) => e.to === 'ready').at;
    assert.ok(sentAt < Date.parse(readyAt), 'the keyed POSTs were sent before any allocation was ready: they were held');
    const answered = replies.filter((reply) => reply.status === 200 && reply.headers['idempotent-replayed'] === undefined);
    assert.equal(answered.length, 1, replies.map((r) => `${r.status} ${r.body}`).join('\n'));
    for (const reply of replies) assert.ok(reply.status === 200 || (reply.status === 409 && reply.json().error.code === 'idempotency_key_in_flight'), `${reply.status} ${reply.body}`);
    const first = answered[0]!;
    assert.equal(first.json().url, '/actions/save');
    const again = await post('{"id":"order-1"}', key);
    assert.deepEqual([again.status, again.headers['idempotent-replayed'], again.body], [200, 'true', first.body], 'the kept answer, replayed');

    const lines = await settledRequestLines();
    assert.equal(lines.filter((line) => line.startsWith(`request POST /actions/save ${key} `)).length, 1, 'forwarded exactly once');
    assert.equal(lines.filter((line) => line.includes('no-key')).length, 0, 'the POST without a key never reached the app');
  });

  test('Payment Webhook While Cold', async () => {
    await plane.waitAsleep(app);
    const wakesBefore = (await plane.wakes(app)).length;
    const eventId = `evt_scenario_${Date.now()}`;
    const payload = JSON.stringify({ id: eventId, object: 'event', type: 'payment_intent.succeeded', data: { object: { amount: 4200 } } });
    const deliver = (signature: string, body = payload) => through({ method: 'POST', path: '/webhooks/stripe', body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
    // A forgery of another event, signed with a key that is not the environment's secret.
    const forgedId = `${eventId}_forged`;
    const forgedPayload = payload.replace(eventId, forgedId);
    const forge = () => deliver(stripe.webhooks.generateTestHeaderString({ payload: forgedPayload, secret: 'whsec_someone_else' }), forgedPayload);

    const refused = await forge();
    assert.deepEqual([refused.status, refused.json().error.code], [401, 'webhook_signature_invalid']);
    const cold = await deliver(stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }));
    retryable503(cold, 'app_waking');
    const wake = await newWake(wakesBefore);
    assert.equal(wake.input.requestClass, 'webhook', 'the signed delivery started the wake, the forged one none');
    assert.equal(wake.gates['request class safe to hold'].evidence.eventId, eventId, 'the wake records the event id');
    const requests = (await plane.wakeStatus(app)).wake.requests;
    assert.ok(requests.webhookEvents.some((e: { provider: string; eventId: string }) => e.provider === 'stripe' && e.eventId === eventId), JSON.stringify(requests));

    // The provider retries until the app, now awake, processes the event.
    const processed = await eventually(async () => {
      const reply = await deliver(stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }));
      if (reply.status === 503) return undefined;
      return reply;
    }, { timeoutMs: 30_000, intervalMs: 200, message: 'the retry reached the awake app' });
    assert.equal(processed.status, 200, processed.body);
    assert.equal(processed.json().url, '/webhooks/stripe');
    const duplicate = await deliver(stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }));
    assert.deepEqual([duplicate.status, duplicate.headers['berth-webhook-duplicate'], duplicate.json()], [200, 'true', { received: true, duplicate: true }]);
    assert.equal((await forge()).status, 401);

    const lines = await settledRequestLines();
    assert.equal(lines.filter((line) => line === `request POST /webhooks/stripe - ${eventId}`).length, 1, 'the app processed the event once');
    assert.ok(!lines.some((line) => line.includes(forgedId)), 'no forgery reached the app');
    const wakes = await plane.wakes(app);
    assert.equal(wakes.filter((w) => w.input.requestClass === 'webhook').length, 1, 'one wake for the event');
    assert.ok(!JSON.stringify(wakes).includes(forgedId), 'forged deliveries woke nothing');
  });

  test('Immutable Asset Request', async () => {
    await plane.waitAsleep(app);
    const wakesBefore = (await plane.wakes(app)).length;
    const linesBefore = (await plane.requestLines(app)).length;
    for (let i = 0; i < 5; i++) {
      const asset = await through({ path: '/assets/app.css' });
      assert.equal(asset.status, 200);
      assert.match(String(asset.headers['cache-control']), /immutable/);
      assert.ok(asset.body.startsWith('body { color: teal }'));
    }
    assert.equal((await plane.wakes(app)).length, wakesBefore, 'no wake');
    const status = await plane.wakeStatus(app);
    assert.equal(status.sleep.state, 'sleeping', 'the app still sleeps');
    assert.equal((await plane.call('GET', `/api/apps/${app}/allocations?env=production`)).body.items.length, 0, 'no allocation runs');
    assert.equal((await plane.requestLines(app)).length, linesBefore, 'the app saw nothing');
  });
});
