/**
 * Property-based fuzzing of the body-HMAC schemes (GitHub's X-Hub-Signature-256 and the generic
 * named header): valid deliveries are accepted with their event id, and every mutation of one is
 * refused without throwing and without the secret in the reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { WebhookSpec } from '../manifest/manifest.js';
import { assertRefused, bodyArb, flipByte, hmacHex, KindCounter, nonHexCharArb, otherSecretArb, replaceChar, RUNS, secretArb } from './test-support/signature-cases.js';
import { webhookVerifier } from './webhook-verification.js';

const maxBodyBytes = 2048;
const now = 1_750_000_000_000;

interface Scheme {
  readonly spec: WebhookSpec;
  readonly signatureHeader: string;
  readonly eventHeader: string;
  /** Spellings of a correct signature the scheme accepts. */
  readonly spellings: readonly ((hex: string) => string)[];
  /** Prefixes that are not the scheme's. */
  readonly wrongPrefixes: readonly string[];
  readonly seed: number;
}

const schemes: readonly Scheme[] = [
  {
    spec: { path: '/webhooks/github', provider: 'github', secret: 'GITHUB_WEBHOOK_SECRET' },
    signatureHeader: 'x-hub-signature-256',
    eventHeader: 'x-github-delivery',
    spellings: [(hex) => `sha256=${hex}`],
    wrongPrefixes: ['', 'sha1=', 'sha512=', 'SHA256=', 'v1=', 'sha256:', 'sha256= '],
    seed: 0x61f4_0b,
  },
  {
    spec: { path: '/webhooks/shipping', provider: 'generic-hmac', secret: 'SHIPPING_SECRET', header: 'X-Shipping-Signature', eventIdHeader: 'X-Shipping-Event' },
    signatureHeader: 'x-shipping-signature',
    eventHeader: 'x-shipping-event',
    spellings: [(hex) => hex, (hex) => hex.toUpperCase(), (hex) => `sha256=${hex}`],
    wrongPrefixes: ['sha1=', 'sha512=', 'SHA256=', 'v1=', 'sha256:', 'sha256=sha256=', ' '],
    seed: 0x6e4e_81c,
  },
];

const deliveryArb = fc.record({
  secret: secretArb('hook_'),
  body: bodyArb,
  eventId: fc.option(fc.uuid(), { nil: undefined }),
  spelling: fc.nat(),
});
type Delivery = typeof deliveryArb extends fc.Arbitrary<infer T> ? T : never;

const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('wrong secret'), other: otherSecretArb('hook_') }),
  fc.record({ kind: fc.constant('truncated signature'), keep: fc.integer({ min: 0, max: 63 }) }),
  fc.record({ kind: fc.constant('non-hex signature'), at: fc.nat(), char: nonHexCharArb }),
  fc.record({ kind: fc.constant('wrong scheme prefix'), which: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate signature header'), shape: fc.constantFrom('array of two', 'array of two different', 'joined') }),
  fc.record({ kind: fc.constant('duplicate event id header'), shape: fc.constantFrom('array of two', 'joined') }),
  fc.record({ kind: fc.constant('flipped body byte'), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncated body'), drop: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('oversized body'), extra: fc.integer({ min: 1, max: 2048 }) }),
  fc.record({ kind: fc.constant('missing header') }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;
const KINDS = ['wrong secret', 'truncated signature', 'non-hex signature', 'wrong scheme prefix', 'duplicate signature header', 'duplicate event id header', 'flipped body byte', 'truncated body', 'oversized body', 'missing header'];

function headersOf(scheme: Scheme, d: Delivery, signature: string | string[] | undefined): Record<string, string | string[] | undefined> {
  return { [scheme.signatureHeader]: signature, ...(d.eventId === undefined ? {} : { [scheme.eventHeader]: d.eventId }) };
}

function spell(scheme: Scheme, d: Delivery, hex: string): string {
  return (scheme.spellings[d.spelling % scheme.spellings.length] as (hex: string) => string)(hex);
}

function mutate(scheme: Scheme, d: Delivery, m: Mutation): { headers: Record<string, string | string[] | undefined>; body: Buffer } {
  const hex = hmacHex(d.secret, d.body);
  const good = spell(scheme, d, hex);
  const signedWith = (body: Buffer) => ({ headers: headersOf(scheme, d, good), body });
  switch (m.kind) {
    case 'wrong secret': return { headers: headersOf(scheme, d, spell(scheme, d, hmacHex(m.other, d.body))), body: d.body };
    case 'truncated signature': return { headers: headersOf(scheme, d, spell(scheme, d, hex.slice(0, m.keep))), body: d.body };
    case 'non-hex signature': return { headers: headersOf(scheme, d, spell(scheme, d, replaceChar(hex, m.at, m.char))), body: d.body };
    case 'wrong scheme prefix': return { headers: headersOf(scheme, d, `${scheme.wrongPrefixes[m.which % scheme.wrongPrefixes.length]}${hex}`), body: d.body };
    case 'duplicate signature header': {
      const other = spell(scheme, d, hmacHex(d.secret, Buffer.concat([d.body, Buffer.from('x')])));
      const shapes = { 'array of two': [good, good], 'array of two different': [good, other], joined: `${good}, ${other}` };
      return { headers: headersOf(scheme, d, shapes[m.shape]), body: d.body };
    }
    case 'duplicate event id header': {
      const id = d.eventId ?? 'evt-1';
      return { headers: { ...headersOf(scheme, d, good), [scheme.eventHeader]: m.shape === 'joined' ? `${id}, other-${id}` : [id, `other-${id}`] }, body: d.body };
    }
    case 'flipped body byte': return signedWith(flipByte(d.body, m.at, m.mask));
    case 'truncated body': return signedWith(d.body.subarray(0, Math.max(0, d.body.length - m.drop)));
    case 'oversized body': {
      const big = Buffer.alloc(maxBodyBytes + m.extra, d.body);
      return { headers: headersOf(scheme, d, spell(scheme, d, hmacHex(d.secret, big))), body: big };
    }
    case 'missing header': return { headers: headersOf(scheme, d, undefined), body: d.body };
  }
}

for (const scheme of schemes) {
  describe(`${scheme.spec.provider} signature fuzzing (fast-check)`, () => {
    it(`accepts every correctly signed delivery with its event id (${RUNS} runs)`, () => {
      fc.assert(
        fc.property(deliveryArb, (d) => {
          const result = webhookVerifier(scheme.spec, d.secret, { maxBodyBytes })(headersOf(scheme, d, spell(scheme, d, hmacHex(d.secret, d.body))), d.body, now);
          assert.deepEqual(result, { ok: true, eventId: d.eventId ?? null });
        }),
        { numRuns: RUNS, seed: scheme.seed },
      );
    });

    it(`refuses every spoiled delivery without throwing (${2 * RUNS} runs)`, () => {
      const ran = new KindCounter();
      fc.assert(
        fc.property(deliveryArb, mutationArb, (d, m) => {
          ran.add(m.kind);
          const { headers, body } = mutate(scheme, d, m);
          assertRefused(webhookVerifier(scheme.spec, d.secret, { maxBodyBytes })(headers, body, now), d.secret);
        }),
        { numRuns: 2 * RUNS, seed: scheme.seed + 1 },
      );
      ran.assertEach(KINDS, 100);
    });
  });
}
