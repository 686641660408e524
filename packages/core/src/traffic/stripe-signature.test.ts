import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import type { StripeWebhookSpec } from '../manifest/manifest.js';
import { assertRefused, hmacHex } from './test-support/signature-cases.js';
import { verifyWebhookSignature, webhookVerifier } from './webhook-verification.js';

const stripe = new Stripe('sk_test_x');
const secret = 'whsec_test_0123456789abcdefABCDEF';
const spec: StripeWebhookSpec = { path: '/webhooks/stripe', provider: 'stripe', secret: 'STRIPE_WEBHOOK_SECRET', toleranceMs: 300_000 };
const nowMs = 1_750_000_000_500;
const nowSeconds = Math.floor(nowMs / 1000);
const payload = JSON.stringify({ id: 'evt_1PqRsT', object: 'event', type: 'checkout.session.completed', data: { object: { amount: 4200 } } });

const signed = (timestamp: number, body = payload, key = secret): string => stripe.webhooks.generateTestHeaderString({ payload: body, secret: key, timestamp });
const verify = (header: string | string[] | undefined, body = payload, at = nowMs) =>
  verifyWebhookSignature(spec, secret, { 'stripe-signature': header }, Buffer.from(body), at);
/** Whether Stripe's own library accepts the delivery (tolerance in seconds, as it takes it). */
const stripeAccepts = (header: string, body = payload, at = nowMs): boolean => {
  try {
    stripe.webhooks.constructEvent(Buffer.from(body), header, secret, 300, undefined, at);
    return true;
  } catch {
    return false;
  }
};

describe('Stripe-Signature, against the real stripe package', () => {
  it('accepts what generateTestHeaderString signs, as constructEvent does, and reads the evt_ id from the body', () => {
    const header = signed(nowSeconds - 10);
    assert.equal(stripeAccepts(header), true);
    assert.deepEqual(verify(header), { ok: true, eventId: 'evt_1PqRsT' });
  });

  it('agrees with constructEvent at the edges of the tolerance in the past', () => {
    for (const age of [0, 1, 299, 300, 301, 302, 3600]) {
      const header = signed(nowSeconds - age);
      assert.equal(verify(header).ok, stripeAccepts(header), `age ${age}s`);
      assert.equal(verify(header).ok, age <= 300, `age ${age}s`);
    }
  });

  it('refuses a timestamp further in the future than the tolerance, which Stripe\'s library does not check', () => {
    assert.equal(verify(signed(nowSeconds + 300)).ok, true);
    const ahead = verify(signed(nowSeconds + 301));
    assertRefused(ahead, secret);
    assert.match(ahead.reason, /in the future/);
  });

  it('accepts any matching v1 of several (a secret being rolled) and ignores v0, as constructEvent does', () => {
    const good = hmacHex(secret, `${nowSeconds}.`, payload);
    const stale = hmacHex('whsec_old_secret_value_000000', `${nowSeconds}.`, payload);
    for (const header of [`t=${nowSeconds},v1=${stale},v1=${good}`, `t=${nowSeconds},v1=${good},v0=${stale}`, `v1=${good},t=${nowSeconds}`]) {
      assert.equal(stripeAccepts(header), true, header);
      assert.equal(verify(header).ok, true, header);
    }
    assertRefused(verify(`t=${nowSeconds},v0=${good}`), secret);
    assert.equal(stripeAccepts(`t=${nowSeconds},v0=${good}`), false);
  });

  it('gives a null event id for a verified body without an evt_ id, and parses the body only after the signature verifies', () => {
    for (const body of ['{"id":"cus_123"}', '[1,2]', 'not json', '{"id":42}']) {
      assert.deepEqual(verify(signed(nowSeconds, body), body), { ok: true, eventId: null }, body);
    }
  });

  it('refuses with a sentence that names what is wrong and never the secret', () => {
    const good = hmacHex(secret, `${nowSeconds}.`, payload);
    const cases: [string | string[] | undefined, RegExp][] = [
      [undefined, /no Stripe-Signature header/],
      [[signed(nowSeconds), signed(nowSeconds)], /more than once/],
      [`${signed(nowSeconds)}, ${signed(nowSeconds - 1)}`, /key=value/],
      [`${signed(nowSeconds)},${signed(nowSeconds)}`, /timestamp \(t=\) more than once/],
      [`t=${nowSeconds}`, /no v1 signature/],
      [`v1=${good}`, /no timestamp/],
      [`t=${nowSeconds},v1=${good.slice(0, 63)}`, /64 lower-case hex/],
      [`t=${nowSeconds},v1=${good.toUpperCase()}`, /64 lower-case hex/],
      [`t=${nowSeconds},v1=${good}00`, /64 lower-case hex/],
      [`t=${nowSeconds}.5,v1=${good}`, /whole number of seconds/],
      [`t=-${nowSeconds},v1=${good}`, /whole number of seconds/],
      [`t=${nowSeconds}, v1=${good}`, /key=value/],
      [`t=${nowSeconds},v1=${'0'.repeat(64)}`, /matches the body/],
      [`t=${nowSeconds},${'v0=1,'.repeat(20)}v1=${good}`, /more than 16 entries/],
      [`t=${nowSeconds},v1=${good},x=${'a'.repeat(5000)}`, /longer than 4096/],
    ];
    for (const [header, reason] of cases) {
      const result = verify(header);
      assertRefused(result, secret);
      assert.match(result.reason, reason, String(header));
    }
  });

  it('refuses a body over the limit before computing anything, 1 MiB by default', () => {
    const big = `{"id":"evt_big","pad":"${'x'.repeat(1024 * 1024)}"}`;
    const result = verify(signed(nowSeconds, big), big);
    assertRefused(result, secret);
    assert.match(result.reason, /larger than 1MiB/);
    const small = webhookVerifier(spec, secret, { maxBodyBytes: 2 * 1024 * 1024 })({ 'stripe-signature': signed(nowSeconds, big) }, Buffer.from(big), nowMs);
    assert.deepEqual(small, { ok: true, eventId: 'evt_big' });
  });

  it('refuses everything when the secret is empty, saying which secret to set', () => {
    const result = verifyWebhookSignature(spec, '', { 'stripe-signature': signed(nowSeconds, payload, '') }, Buffer.from(payload), nowMs);
    assertRefused(result, '\u0000');
    assert.match(result.reason, /STRIPE_WEBHOOK_SECRET is empty/);
  });

  it('verifies a 16 KiB body with a bad signature quickly: one HMAC and a comparison', (t) => {
    const body = Buffer.alloc(16 * 1024, 0x61);
    const verifier = webhookVerifier(spec, secret);
    const headers = { 'stripe-signature': `t=${nowSeconds},v1=${'ab'.repeat(32)}` };
    for (let i = 0; i < 200; i++) verifier(headers, body, nowMs);
    const rounds = 2000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) assert.equal(verifier(headers, body, nowMs).ok, false);
    const perCallUs = Number(process.hrtime.bigint() - started) / rounds / 1000;
    t.diagnostic(`16 KiB bad-signature verification: ${perCallUs.toFixed(1)} µs per call (mean of ${rounds})`);
  });
});
