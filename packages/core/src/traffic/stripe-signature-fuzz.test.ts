/**
 * Property-based fuzzing of Stripe-Signature verification: deliveries signed by the real stripe
 * package are accepted exactly when Stripe's constructEvent accepts them, and every mutation of one
 * (wrong secret, truncated or non-hex signature, wrong scheme, duplicate headers, a flipped body
 * byte, a stale or future timestamp, an oversized body...) is refused without throwing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import Stripe from 'stripe';
import type { StripeWebhookSpec } from '../manifest/manifest.js';
import { assertRefused, bodyArb, flipByte, hexArb, KindCounter, nonHexCharArb, otherSecretArb, replaceChar, RUNS, secretArb } from './test-support/signature-cases.js';
import { webhookVerifier } from './webhook-verification.js';

const stripe = new Stripe('sk_test_x');
const toleranceSeconds = 300;
const spec: StripeWebhookSpec = { path: '/webhooks/stripe', provider: 'stripe', secret: 'STRIPE_WEBHOOK_SECRET', toleranceMs: toleranceSeconds * 1000 };
const maxBodyBytes = 4096;
const nowMs = 1_750_000_000_789;
const nowSeconds = Math.floor(nowMs / 1000);

/** A valid delivery: a JSON body (sometimes with an evt_ id), signed within the tolerance, maybe beside other v1 and v0 entries. */
const deliveryArb = fc.record({
  secret: secretArb('whsec_'),
  payload: fc.oneof(
    fc.json({ maxDepth: 2 }),
    fc.record({ id: fc.string({ minLength: 1, maxLength: 24, unit: fc.constantFrom(...'abcdefXYZ0189') }).map((s) => `evt_${s}`), object: fc.constant('event'), data: fc.jsonValue({ maxDepth: 1 }) })
      .map((event) => JSON.stringify(event)),
  ),
  age: fc.integer({ min: -toleranceSeconds, max: toleranceSeconds }),
  extraV1: fc.array(hexArb(64), { maxLength: 2 }),
  v0: fc.option(hexArb(64), { nil: undefined }),
  extrasFirst: fc.boolean(),
});
type Delivery = typeof deliveryArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * The Stripe-Signature of `d` with the real stripe package's test helper, its own v1 entry
 * replaced by `ownV1(v1)` when given, and the delivery's extra v1 and v0 entries beside it.
 */
function headerOf(d: Delivery, options: { timestamp?: number; payload?: string; secret?: string; ownV1?: (hex: string) => string } = {}): string {
  const { timestamp = nowSeconds - d.age, payload = d.payload, secret = d.secret, ownV1 = (hex: string) => `v1=${hex}` } = options;
  const [t = '', v1 = ''] = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }).split(',');
  const own = ownV1(v1.slice('v1='.length));
  const extras = [...d.extraV1.map((hex) => `v1=${hex}`), ...(d.v0 ? [`v0=${d.v0}`] : [])];
  return [t, ...(d.extrasFirst ? [...extras, own] : [own, ...extras])].join(',');
}

function stripeAccepts(header: string | string[], body: Buffer, secret: string): boolean {
  try {
    stripe.webhooks.constructEvent(body, header as string, secret, toleranceSeconds, undefined, nowMs);
    return true;
  } catch {
    return false;
  }
}

/** One way of spoiling a valid delivery; `crossCheck` says Stripe's library must refuse it too. */
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('wrong secret'), other: otherSecretArb('whsec_') }),
  fc.record({ kind: fc.constant('truncated signature'), keep: fc.integer({ min: 0, max: 63 }) }),
  fc.record({ kind: fc.constant('non-hex signature'), at: fc.nat(), char: nonHexCharArb }),
  fc.record({ kind: fc.constant('wrong scheme'), scheme: fc.constantFrom('v0', 'v2', 'sha1', 'sha256', 'V1', 'v1 ', ' v1') }),
  fc.record({ kind: fc.constant('duplicate header'), shape: fc.constantFrom('array of two', 'array of two different', 'joined', 'joined without space') }),
  fc.record({ kind: fc.constant('flipped body byte'), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('stale timestamp'), beyond: fc.integer({ min: 1, max: 10 * 365 * 86_400 }) }),
  fc.record({ kind: fc.constant('future timestamp'), beyond: fc.integer({ min: 1, max: 10 * 365 * 86_400 }) }),
  fc.record({ kind: fc.constant('shifted timestamp'), by: fc.integer({ min: -5, max: 5 }).filter((n) => n !== 0) }),
  fc.record({ kind: fc.constant('oversized body'), extra: fc.integer({ min: 1, max: 2048 }) }),
  fc.record({ kind: fc.constant('missing header') }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;
const KINDS = ['wrong secret', 'truncated signature', 'non-hex signature', 'wrong scheme', 'duplicate header', 'flipped body byte', 'stale timestamp', 'future timestamp', 'shifted timestamp', 'oversized body', 'missing header'];

/** The spoiled delivery: headers, body and the secret the receiver holds. */
function mutate(d: Delivery, m: Mutation): { header: string | string[] | undefined; body: Buffer; crossCheck: boolean } {
  const body = Buffer.from(d.payload, 'utf8');
  const header = headerOf(d);
  switch (m.kind) {
    case 'wrong secret': return { header: headerOf(d, { secret: m.other }), body, crossCheck: true };
    case 'truncated signature': return { header: headerOf(d, { ownV1: (v1) => `v1=${v1.slice(0, m.keep)}` }), body, crossCheck: true };
    case 'non-hex signature': return { header: headerOf(d, { ownV1: (v1) => `v1=${replaceChar(v1, m.at, m.char)}` }), body, crossCheck: true };
    case 'wrong scheme': return { header: headerOf(d, { ownV1: (v1) => `${m.scheme}=${v1}` }), body, crossCheck: true };
    case 'duplicate header': {
      const other = headerOf(d, { timestamp: nowSeconds - d.age + 1 });
      const shapes = { 'array of two': [header, header], 'array of two different': [header, other], joined: `${header}, ${other}`, 'joined without space': `${header},${header}` };
      return { header: shapes[m.shape], body, crossCheck: false };
    }
    case 'flipped body byte': return { header, body: flipByte(body, m.at, m.mask), crossCheck: true };
    case 'stale timestamp': return { header: headerOf(d, { timestamp: nowSeconds - toleranceSeconds - m.beyond }), body, crossCheck: true };
    case 'future timestamp': return { header: headerOf(d, { timestamp: nowSeconds + toleranceSeconds + m.beyond }), body, crossCheck: false };
    case 'shifted timestamp': return { header: header.replace(/^t=(\d+)/, (_, t: string) => `t=${Number(t) + m.by}`), body, crossCheck: true };
    case 'oversized body': {
      const padded = d.payload + ' '.repeat(maxBodyBytes + m.extra - Buffer.byteLength(d.payload));
      return { header: headerOf(d, { payload: padded }), body: Buffer.from(padded, 'utf8'), crossCheck: false };
    }
    case 'missing header': return { header: undefined, body, crossCheck: true };
  }
}

describe('Stripe-Signature fuzzing (fast-check)', () => {
  it(`accepts every delivery the stripe package signs within the tolerance, as constructEvent does (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(deliveryArb, (d) => {
        const body = Buffer.from(d.payload, 'utf8');
        const header = headerOf(d);
        const result = webhookVerifier(spec, d.secret, { maxBodyBytes: 1 << 20 })({ 'stripe-signature': header }, body, nowMs);
        assert.equal(stripeAccepts(header, body, d.secret), true);
        const parsed: unknown = JSON.parse(d.payload);
        const id = typeof parsed === 'object' && parsed !== null && 'id' in parsed && typeof parsed.id === 'string' && parsed.id.startsWith('evt_') ? parsed.id : null;
        assert.deepEqual(result, { ok: true, eventId: id });
      }),
      { numRuns: RUNS, seed: 0x5712_1be },
    );
  });

  it(`refuses every spoiled delivery without throwing, and Stripe's library refuses the same ones (${2 * RUNS} runs)`, () => {
    const ran = new KindCounter();
    fc.assert(
      fc.property(deliveryArb, mutationArb, (d, m) => {
        ran.add(m.kind);
        const { header, body, crossCheck } = mutate(d, m);
        const result = webhookVerifier(spec, d.secret, { maxBodyBytes })({ 'stripe-signature': header }, body, nowMs);
        assertRefused(result, d.secret);
        if (crossCheck && header !== undefined) assert.equal(stripeAccepts(header, body, d.secret), false, 'constructEvent accepted it');
      }),
      { numRuns: 2 * RUNS, seed: 0x5712_1bf },
    );
    ran.assertEach(KINDS, 100);
  });
});
