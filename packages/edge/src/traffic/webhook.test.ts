import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { eventually } from '@berth/testkit';
import Stripe from 'stripe';
import { sleepyEnvironment, sleepyHost, startSleepingApp, type SleepingApp } from '../test-support/sleeping-app.js';
import { timedRequest, type TimedReply } from '../test-support/timed-request.js';

// Payment Webhook While Cold, through a real edge, signed with the real stripe package's test
// helper. The allocation counts what reaches it; the stand-in control plane counts wake requests.
const stripe = new Stripe('sk_test_edge');
const secret = 'whsec_edge_test_0123456789abcdef';
const manifest = `
[run]
command = "node server.js"
[[webhooks]]
path = "/webhooks/stripe"
provider = "stripe"
secret = "STRIPE_WEBHOOK_SECRET"
`;

let app: SleepingApp;
before(async () => {
  app = await startSleepingApp({ manifest });
  app.cp.traffic.secrets.set(sleepyEnvironment, { secrets: { STRIPE_WEBHOOK_SECRET: secret }, liveStoreBound: false });
});
after(() => app.close());
afterEach(() => {
  app.cp.traffic.wakeRequests.length = 0;
});

let events = 0;
const event = (id = `evt_edge_${++events}`) => JSON.stringify({ id, object: 'event', type: 'payment_intent.succeeded', data: { object: { amount: 4200 } } });
const signed = (payload: string, key = secret) => stripe.webhooks.generateTestHeaderString({ payload, secret: key });

const deliver = (payload: string, signature: string | string[] | undefined, headers: Record<string, string> = {}): Promise<TimedReply> => timedRequest(app.edge.port, {
  host: sleepyHost, method: 'POST', path: '/webhooks/stripe', body: payload,
  headers: { 'content-type': 'application/json', ...(signature !== undefined ? { 'stripe-signature': signature as string } : {}), ...headers },
});

const upstreamHooks = () => app.allocations[0]!.seen.filter((seen) => seen.url === '/webhooks/stripe').length;

test('Payment Webhook While Cold: a signed delivery is never buffered: the wake is requested with its event id and the provider gets 503 to retry', async () => {
  const payload = event('evt_cold_1');
  const reply = await deliver(payload, signed(payload));
  assert.equal(reply.status, 503);
  assert.equal(reply.json().error.code, 'app_waking');
  assert.equal(reply.headers['retry-after'], '1');
  await eventually(() => app.cp.traffic.wakeRequests.length === 1, { message: 'the wake is requested' });
  assert.deepEqual(app.cp.traffic.wakeRequests[0], {
    environmentId: sleepyEnvironment, requestClass: 'webhook', trigger: { method: 'POST', path: '/webhooks/stripe', webhook: { provider: 'stripe', eventId: 'evt_cold_1' } },
  });
  assert.equal(upstreamHooks(), 0);
});

test('a forged delivery is refused 401 with the reason, before anything else: no wake, no upstream call', async () => {
  const payload = event();
  for (const signature of [signed(payload, 'whsec_someone_else'), signed(event()), undefined, 't=1,v1=zz']) {
    const reply = await deliver(payload, signature);
    assert.equal(reply.status, 401);
    assert.equal(reply.json().error.code, 'webhook_signature_invalid');
    assert.match(reply.json().error.message, /^The webhook signature does not verify: /);
    assert.ok(!reply.text.includes(secret));
  }
  assert.equal(app.cp.traffic.wakeRequests.length, 0);
  assert.equal(upstreamHooks(), 0);
});

test('hot: forwarded once; a redelivery of a processed event is acknowledged without forwarding, also after an edge restart; one the app failed is forwarded again', async () => {
  app.wake();
  const payload = event('evt_hot_1');
  const signature = signed(payload);
  const first = await eventually(async () => {
    const reply = await deliver(payload, signature);
    return reply.status === 200 ? reply : undefined;
  }, { message: 'the app is hot and gets the delivery' });
  assert.equal(first.json<{ backend: string; bytes: number }>().bytes, Buffer.byteLength(payload));
  assert.equal(upstreamHooks(), 1);

  const again = await deliver(payload, signed(payload));
  assert.equal(again.status, 200);
  assert.equal(again.headers['berth-webhook-duplicate'], 'true');
  assert.deepEqual(again.json<unknown>(), { received: true, duplicate: true });
  assert.equal(upstreamHooks(), 1, 'a processed event id is not forwarded again');

  const failing = event('evt_app_failed');
  assert.equal((await deliver(failing, signed(failing), { 'x-test-status': '500' })).status, 500);
  assert.equal((await deliver(failing, signed(failing))).status, 200, 'the app answered 500: the event was not processed, the retry is forwarded');
  assert.equal(upstreamHooks(), 3);

  await app.restartEdge();
  const afterRestart = await deliver(payload, signed(payload));
  assert.equal(afterRestart.headers['berth-webhook-duplicate'], 'true', 'processed event ids survive a restart');
  assert.equal(upstreamHooks(), 3);
  assert.equal(app.cp.traffic.wakeRequests.length, 0);
});

test('a delivery whose body arrives in pieces is verified on the whole body and forwarded whole; one piece changed is refused', async () => {
  // Written 16 bytes at a time with pauses, so the edge reads the body as many chunks.
  const inPieces = async (payload: string, signature: string): Promise<{ status: number; body: string }> => {
    const body = Buffer.from(payload);
    const socket = connect(app.edge.port, '127.0.0.1').setNoDelay(true);
    await once(socket, 'connect');
    const answer: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => answer.push(chunk));
    const closed = once(socket, 'close');
    socket.write(`POST /webhooks/stripe HTTP/1.1\r\nHost: ${sleepyHost}\r\nContent-Type: application/json\r\nStripe-Signature: ${signature}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    for (let at = 0; at < body.length; at += 16) {
      socket.write(body.subarray(at, at + 16));
      await delay(3);
    }
    await closed;
    const text = Buffer.concat(answer).toString();
    return { status: Number(text.slice(9, 12)), body: text.slice(text.indexOf('\r\n\r\n') + 4) };
  };
  // The app answers `{"backend": ..., "bytes": n}`, chunked or not.
  const bytesSeen = (body: string) => Number(/"bytes":(\d+)/.exec(body)?.[1]);
  const before = upstreamHooks();
  const payload = event('evt_in_pieces');
  const whole = await inPieces(payload, signed(payload));
  assert.equal(whole.status, 200);
  assert.equal(bytesSeen(whole.body), Buffer.byteLength(payload));
  const forged = event('evt_in_pieces_forged');
  const refused = await inPieces(forged.replace('4200', '4201'), signed(forged));
  assert.equal(refused.status, 401);
  assert.equal(upstreamHooks(), before + 1);
});

test('a webhook whose secret the control plane cannot give is not verified, not forwarded and not woken for: 503', async () => {
  app.cp.traffic.secrets.delete(sleepyEnvironment);
  await app.restartEdge();
  const payload = event();
  const reply = await deliver(payload, signed(payload));
  assert.equal(reply.status, 503);
  assert.equal(reply.json().error.code, 'webhook_unverifiable');
  app.cp.traffic.secrets.set(sleepyEnvironment, { secrets: { STRIPE_WEBHOOK_SECRET: secret }, liveStoreBound: false });
});
