import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GenericHmacWebhookSpec, GithubWebhookSpec } from '../manifest/manifest.js';
import { assertRefused, hmacHex } from './test-support/signature-cases.js';
import { verifyWebhookSignature } from './webhook-verification.js';

const github: GithubWebhookSpec = { path: '/webhooks/github', provider: 'github', secret: 'GITHUB_WEBHOOK_SECRET' };
const shipping: GenericHmacWebhookSpec = { path: '/webhooks/shipping', provider: 'generic-hmac', secret: 'SHIPPING_SECRET', header: 'X-Shipping-Signature', eventIdHeader: 'X-Shipping-Event' };
const plain: GenericHmacWebhookSpec = { path: '/webhooks/plain', provider: 'generic-hmac', secret: 'PLAIN_SECRET', header: 'X-Signature' };
const now = 1_750_000_000_000;

describe('GitHub X-Hub-Signature-256', () => {
  const secret = "It's a Secret to Everybody";
  const body = Buffer.from('Hello, World!');
  const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  const delivery = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

  it("accepts GitHub's documented example and reads the delivery id", () => {
    assert.deepEqual(verifyWebhookSignature(github, secret, { 'x-hub-signature-256': signature, 'x-github-delivery': delivery }, body, now), { ok: true, eventId: delivery });
    assert.deepEqual(verifyWebhookSignature(github, secret, { 'x-hub-signature-256': [signature] }, body, now), { ok: true, eventId: null });
  });

  it('refuses each way the example can be spoiled, with a sentence naming the header', () => {
    const cases: [Record<string, string | string[]>, Buffer, string, RegExp][] = [
      [{}, body, secret, /no X-Hub-Signature-256 header/],
      [{ 'x-hub-signature': 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59' }, body, secret, /no X-Hub-Signature-256 header/],
      [{ 'x-hub-signature-256': signature }, body, 'another secret entirely', /does not match/],
      [{ 'x-hub-signature-256': signature }, Buffer.from('Hello, World?'), secret, /does not match/],
      [{ 'x-hub-signature-256': signature.replace('sha256=', 'sha1=') }, body, secret, /does not start with "sha256="/],
      [{ 'x-hub-signature-256': signature.replace('sha256=', 'SHA256=') }, body, secret, /does not start with "sha256="/],
      [{ 'x-hub-signature-256': signature.slice(0, -1) }, body, secret, /64 lower-case hex/],
      [{ 'x-hub-signature-256': signature.toUpperCase().replace('SHA256=', 'sha256=') }, body, secret, /64 lower-case hex/],
      [{ 'x-hub-signature-256': [signature, signature] }, body, secret, /more than once/],
      [{ 'x-hub-signature-256': `${signature}, ${signature}` }, body, secret, /64 lower-case hex/],
      [{ 'x-hub-signature-256': signature, 'x-github-delivery': [delivery, 'other'] }, body, secret, /X-GitHub-Delivery header appears more than once/],
      [{ 'x-hub-signature-256': signature, 'x-github-delivery': `${delivery}, other` }, body, secret, /is not an event id/],
    ];
    for (const [headers, payload, key, reason] of cases) {
      const result = verifyWebhookSignature(github, key, headers, payload, now);
      assertRefused(result, key);
      assert.match(result.reason, reason, JSON.stringify(headers));
    }
  });
});

describe('generic HMAC-SHA256 in a named header', () => {
  const secret = 'shipping-secret-0123456789';
  const body = Buffer.from('{"parcel":"P-1","status":"delivered"}');
  const hex = hmacHex(secret, body);

  it('accepts the hex digest in either case, with or without "sha256=", and reads the configured event id header', () => {
    for (const value of [hex, hex.toUpperCase(), `sha256=${hex}`]) {
      assert.deepEqual(verifyWebhookSignature(shipping, secret, { 'x-shipping-signature': value, 'x-shipping-event': 'ev-9' }, body, now), { ok: true, eventId: 'ev-9' }, value);
    }
    assert.deepEqual(verifyWebhookSignature(plain, secret, { 'x-signature': hex, 'x-shipping-event': 'ev-9' }, body, now), { ok: true, eventId: null });
  });

  it('refuses a missing, repeated, malformed or wrong signature and an ambiguous event id', () => {
    const cases: [Record<string, string | string[]>, RegExp][] = [
      [{}, /no X-Shipping-Signature header/],
      [{ 'x-shipping-signature': [hex, hex] }, /X-Shipping-Signature header appears more than once/],
      [{ 'x-shipping-signature': `${hex}, ${hex}` }, /not a hex HMAC-SHA256/],
      [{ 'x-shipping-signature': `sha1=${hex}` }, /not a hex HMAC-SHA256/],
      [{ 'x-shipping-signature': `sha256=sha256=${hex}` }, /not a hex HMAC-SHA256/],
      [{ 'x-shipping-signature': hex.slice(2) }, /not a hex HMAC-SHA256/],
      [{ 'x-shipping-signature': hmacHex('wrong', body) }, /X-Shipping-Signature signature does not match/],
      [{ 'x-shipping-signature': hex, 'x-shipping-event': ['a', 'b'] }, /X-Shipping-Event header appears more than once/],
      [{ 'x-shipping-signature': hex, 'x-shipping-event': 'a b' }, /not an event id/],
      [{ 'x-shipping-signature': hex, 'x-shipping-event': 'x'.repeat(257) }, /not an event id/],
    ];
    for (const [headers, reason] of cases) {
      const result = verifyWebhookSignature(shipping, secret, headers, body, now);
      assertRefused(result, secret);
      assert.match(result.reason, reason, JSON.stringify(headers));
    }
  });

  it('refuses a body over maxBodyBytes before reading any header', () => {
    const result = verifyWebhookSignature(plain, secret, {}, body, now, { maxBodyBytes: body.length - 1 });
    assertRefused(result, secret);
    assert.match(result.reason, /larger than/);
    assert.equal(verifyWebhookSignature(plain, secret, { 'x-signature': hex }, body, now, { maxBodyBytes: body.length }).ok, true);
  });
});
