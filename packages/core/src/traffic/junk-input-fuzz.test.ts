/**
 * Whatever arrives, the per-request functions answer instead of throwing: arbitrary header
 * records (strings, arrays, values of the wrong type), signature headers built from the Stripe
 * grammar with random parts, arbitrary bodies and clocks for verification; arbitrary methods,
 * targets and headers for classification.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { WebhookSpec } from '../manifest/manifest.js';
import { parseManifest } from '../manifest/parse-manifest.js';
import { classifyRequest } from './classify-request.js';
import { lenientSegments, readRequestPath } from './request-path.js';
import { assertRefused, hexArb, RUNS } from './test-support/signature-cases.js';
import { compileTrafficPolicy } from './traffic-policy.js';
import { trafficMatcher } from './traffic-matcher.js';
import { webhookVerifier } from './webhook-verification.js';

const secret = 'whsec_junk_fuzz_secret_value_0001';
const specs: readonly WebhookSpec[] = [
  { path: '/s', provider: 'stripe', secret: 'S', toleranceMs: 300_000 },
  { path: '/g', provider: 'github', secret: 'G' },
  { path: '/h', provider: 'generic-hmac', secret: 'H', header: 'X-Signature', eventIdHeader: 'X-Event' },
];
const names = ['stripe-signature', 'x-hub-signature-256', 'x-github-delivery', 'x-signature', 'x-event', 'upgrade', 'connection', 'constructor', '__proto__'];

/** Entries in the Stripe-Signature grammar, and near misses of it. */
const stripeEntryArb = fc.oneof(
  fc.nat().map((n) => `t=${n}`),
  fc.string().map((s) => `t=${s}`),
  hexArb(64).map((h) => `v1=${h}`),
  fc.string({ maxLength: 70 }).map((s) => `v1=${s}`),
  hexArb(64).map((h) => `v0=${h}`),
  fc.string({ maxLength: 12 }),
);
const valueArb = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.tuple(fc.array(stripeEntryArb, { maxLength: 20 }), fc.constantFrom(',', ', ', ',,')).map(([entries, separator]) => entries.join(separator)),
  fc.array(fc.string({ maxLength: 80 }), { maxLength: 3 }),
  fc.anything({ maxDepth: 1 }),
);
const headersArb = fc.dictionary(fc.constantFrom(...names), valueArb, { maxKeys: 6 });
const bodyArb = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.anything({ maxDepth: 1 }));
const nowArb = fc.oneof(fc.integer(), fc.double(), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY));

const matcher = trafficMatcher(compileTrafficPolicy(parseManifest(`
[run]
command = "node server.js"
[assets]
dir = "public"
[[routes]]
path = "/api/:id/*"
class = "unsafe"
[[routes]]
path = "/search"
methods = ["POST"]
class = "safe"
[[webhooks]]
path = "/hooks/:source"
provider = "github"
secret = "GITHUB_SECRET"
[live]
path = "/live"
`)));
/** Path pieces that servers read differently: dots, encoded and raw separators, bad escapes, case. */
const trickyPieceArb = fc.constantFrom('api', 'API', 'Api', '1', '..', '.', '', '%2F', '%2e%2E', '%5C', '\\', '%', '%zz', '%00', '%61pi', 'hooks', 'HOOKS', 'live', 'assets', 'search', 'x?y', '#');
const targetArb = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
  fc.array(trickyPieceArb, { maxLength: 7 }).map((s) => `/${s.join('/')}`),
  // Spellings around the unsafe route and the webhook, so those properties run often.
  fc.tuple(fc.array(trickyPieceArb, { maxLength: 3 }), fc.constantFrom('api/1', 'API/x/y', 'hooks/github', 'Hooks%2Fgithub', 'hooks//github/'), fc.array(trickyPieceArb, { maxLength: 3 }))
    .map(([before, middle, after]) => `/${[...before, middle, ...after].join('/')}`),
);

describe('junk input fuzzing (fast-check)', () => {
  it(`verification refuses arbitrary headers, bodies and clocks without throwing (${RUNS} runs per provider)`, () => {
    for (const spec of specs) {
      const verify = webhookVerifier(spec, secret);
      fc.assert(
        fc.property(headersArb, bodyArb, nowArb, (headers, body, now) => {
          assertRefused(verify(headers as never, body as never, now), secret);
        }),
        { numRuns: RUNS, seed: 0x1_0_0 + spec.provider.length },
      );
    }
  });

  it(`classification answers a class for any method, target and headers (${RUNS} runs)`, () => {
    const classes = new Set(['safe', 'unsafe', 'webhook', 'asset', 'live']);
    fc.assert(
      fc.property(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'OPTIONS', 'get', 'BREW', ''), targetArb, headersArb, (method, target, headers) => {
        const result = classifyRequest(matcher, method, target, headers as never);
        assert.ok(classes.has(result.class));
        // Nothing that cannot be read exactly is ever safe or an asset.
        // Only a path read exactly can be safe or an asset.
        if (result.class === 'safe' || result.class === 'asset') assert.equal(readRequestPath(target).clean, true);
        // No spelling the lenient reading sends to a webhook or an unsafe route escapes it.
        const lenient = lenientSegments(target);
        if (result.class !== 'live' && lenient.length >= 3 && lenient[0] === 'api') {
          assert.ok(result.class === 'unsafe' && result.route?.path === '/api/:id/*', `${method} ${target}: ${JSON.stringify(result)}`);
        }
        if (method === 'POST' && lenient.length === 2 && lenient[0] === 'hooks') assert.equal(result.class, 'webhook', target);
        if (result.class === 'asset') assert.ok(!/[\\\u0000]|\/\.\.?(\/|$)/.test(result.assetPath), result.assetPath);
      }),
      { numRuns: RUNS, seed: 0xc1a55 },
    );
  });
});
