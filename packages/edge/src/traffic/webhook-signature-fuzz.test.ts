import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '@berth/testkit';
import fc from 'fast-check';
import Stripe from 'stripe';
import { sleepyEnvironment, sleepyHost, startSleepingApp, type SleepingApp } from '../test-support/sleeping-app.js';
import { timedRequest } from '../test-support/timed-request.js';

// Signature fuzzing through the real edge socket: every spoiled delivery (wrong secret, truncated
// or non-hex signature, wrong scheme, duplicate headers, a flipped body byte, a stale or future
// timestamp, an oversized body, no header) is refused, wakes nothing and reaches no allocation,
// whether the app sleeps or is hot. One edge serves every run.
const RUNS = 2_000;
const stripe = new Stripe('sk_test_fuzz');
const secret = 'whsec_fuzz_secret_0123456789abcdef';
const toleranceSeconds = 300;
const holdLimit = 4_096;

let app: SleepingApp;
before(async () => {
  app = await startSleepingApp({
    manifest: '[run]\ncommand = "x"\n[[webhooks]]\npath = "/webhooks/stripe"\nprovider = "stripe"\nsecret = "STRIPE_WEBHOOK_SECRET"\n',
    edge: { traffic: { holdBodyLimitBytes: holdLimit } },
  });
  app.cp.traffic.secrets.set(sleepyEnvironment, { secrets: { STRIPE_WEBHOOK_SECRET: secret }, liveStoreBound: false });
});
after(() => app.close());

const payloadArb = fc.record({ id: fc.stringMatching(/^[A-Za-z0-9]{1,24}$/), amount: fc.nat(), note: fc.string({ maxLength: 200 }) })
  .map(({ id, amount, note }) => JSON.stringify({ id: `evt_${id}`, object: 'event', data: { object: { amount, note } } }));

const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('wrong secret' as const), other: fc.string({ minLength: 4, maxLength: 40 }).map((s) => `whsec_${s}`).filter((s) => s !== secret) }),
  fc.record({ kind: fc.constant('truncated signature' as const), cut: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('non-hex signature' as const), at: fc.nat(63), char: fc.constantFrom('g', 'z', 'G', 'Z', '-', '!', '_', '.') }),
  fc.record({ kind: fc.constant('wrong scheme' as const), scheme: fc.constantFrom('v0=', 'V1=', 'v2=', 'v1 =', 's1=', '', 'v1:') }),
  fc.record({ kind: fc.constant('duplicate headers' as const), forgedSecond: fc.boolean() }),
  fc.record({ kind: fc.constant('flipped body byte' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('stale timestamp' as const), by: fc.integer({ min: 5, max: 1_000_000 }) }),
  fc.record({ kind: fc.constant('future timestamp' as const), by: fc.integer({ min: 5, max: 1_000_000 }) }),
  fc.record({ kind: fc.constant('oversized body' as const), extra: fc.integer({ min: 1, max: 4_096 }) }),
  fc.record({ kind: fc.constant('no header' as const) }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

/** A delivery signed by the stripe package, then spoiled as `m` says. */
function spoil(payload: string, m: Mutation): { body: Buffer; signature: string | string[] | undefined } {
  const now = Math.floor(Date.now() / 1000);
  const header = (body: string | Buffer = payload, key = secret, timestamp = now) => stripe.webhooks.generateTestHeaderString({ payload: body.toString(), secret: key, timestamp });
  const valid = header();
  const [t, v1] = valid.split(',') as [string, string];
  const hex = v1.slice(3);
  switch (m.kind) {
    case 'wrong secret': return { body: Buffer.from(payload), signature: header(payload, m.other) };
    case 'truncated signature': return { body: Buffer.from(payload), signature: `${t},v1=${hex.slice(0, 64 - m.cut)}` };
    case 'non-hex signature': return { body: Buffer.from(payload), signature: `${t},v1=${hex.slice(0, m.at)}${m.char}${hex.slice(m.at + 1)}` };
    case 'wrong scheme': return { body: Buffer.from(payload), signature: `${t},${m.scheme}${hex}` };
    case 'duplicate headers': return { body: Buffer.from(payload), signature: [valid, m.forgedSecond ? header(payload, `${secret}x`) : valid] };
    case 'flipped body byte': {
      const body = Buffer.from(payload);
      body[m.at % body.length]! ^= 1 << m.bit;
      return { body, signature: valid };
    }
    case 'stale timestamp': return { body: Buffer.from(payload), signature: header(payload, secret, now - toleranceSeconds - m.by) };
    case 'future timestamp': return { body: Buffer.from(payload), signature: header(payload, secret, now + toleranceSeconds + m.by) };
    case 'oversized body': {
      const body = JSON.stringify({ ...JSON.parse(payload), pad: 'x'.repeat(holdLimit + m.extra) });
      return { body: Buffer.from(body), signature: header(body) };
    }
    case 'no header': return { body: Buffer.from(payload), signature: undefined };
  }
}

async function refusedEverySpoiledDelivery(seed: number): Promise<void> {
  const kinds = new Map<string, number>();
  const before = { wakes: app.cp.traffic.wakeRequests.length, upstream: app.allocations[0]!.count() };
  await fc.assert(
    fc.asyncProperty(payloadArb, mutationArb, async (payload, m) => {
      kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
      const { body, signature } = spoil(payload, m);
      const reply = await timedRequest(app.edge.port, {
        host: sleepyHost, method: 'POST', path: '/webhooks/stripe', body,
        headers: { 'content-type': 'application/json', ...(signature !== undefined ? { 'stripe-signature': signature as string } : {}) },
      });
      if (m.kind === 'oversized body') assert.equal(reply.status, 413, m.kind);
      else assert.deepEqual([reply.status, reply.json().error.code], [401, 'webhook_signature_invalid'], `${m.kind}: ${reply.text}`);
      assert.equal(app.cp.traffic.wakeRequests.length, before.wakes, `${m.kind} woke the app`);
      assert.equal(app.allocations[0]!.count(), before.upstream, `${m.kind} reached the app`);
    }),
    { numRuns: RUNS, seed },
  );
  for (const [kind, count] of kinds) assert.ok(count >= 50, `${kind} ran only ${count} times`);
  assert.equal(kinds.size, 10);
}

test(`while the app sleeps, every spoiled Stripe delivery is refused, wakes nothing and reaches nothing (${RUNS} runs)`, async () => {
  await refusedEverySpoiledDelivery(0x5eed_0001);
});

test(`while the app is hot, the same (${RUNS} runs)`, async () => {
  app.wake();
  await eventually(() => app.edge.table.lookup(sleepyHost)?.targets.length === 1, { message: 'the app is hot' });
  await refusedEverySpoiledDelivery(0x5eed_0002);
});
