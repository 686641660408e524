import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleManifest } from './example-manifest.js';
import type { Manifest } from './manifest.js';
import { parseManifest } from './parse-manifest.js';
import { requiredSecretNames } from './required-secrets.js';

const MiB = 1024 * 1024;

describe('parseManifest: valid manifests', () => {
  it('reads the documented example, which sets every key', () => {
    const expected: Manifest = {
      name: 'shop',
      build: { command: 'npm ci && npm run build', timeoutMs: 900_000, outputLimitBytes: 4 * MiB },
      run: { command: 'node server.js', port: 8080, health: '/healthz', image: 'node:20-slim', memoryBytes: 512 * MiB, drainTimeoutMs: 30_000 },
      assets: { dir: 'dist/assets', prefix: '/assets/', immutable: true },
      scale: { min: 0, max: 3, sleepAfterMs: 900_000, wakeBudgetMs: 10_000, region: 'eu', labels: { disk: 'ssd' } },
      routes: [
        { path: '/api/search', methods: ['POST'], class: 'safe', idempotency: 'optional' },
        { path: '/api/orders/*', methods: ['POST', 'PUT', 'PATCH', 'DELETE'], class: 'unsafe', idempotency: 'required' },
      ],
      webhooks: [
        { path: '/webhooks/stripe', provider: 'stripe', secret: 'STRIPE_WEBHOOK_SECRET', toleranceMs: 300_000 },
        { path: '/webhooks/github', provider: 'github', secret: 'GITHUB_WEBHOOK_SECRET' },
        { path: '/webhooks/shipping', provider: 'generic-hmac', secret: 'SHIPPING_WEBHOOK_SECRET', header: 'X-Shipping-Signature', eventIdHeader: 'X-Shipping-Event' },
      ],
      live: { path: '/live', resumable: true, stateSchema: 'v2', store: 'sessions' },
      secrets: { required: ['DATABASE_URL', 'SESSION_KEY'] },
      database: { migrations: 'db/migrations' },
      validate: { generated: 'npm run codegen', reproducible: true },
    };
    assert.deepEqual(parseManifest(exampleManifest), expected);
  });

  it('applies every default to a minimal manifest', () => {
    const manifest = parseManifest('[run]\ncommand = "node server.js"\n');
    const expected: Manifest = {
      build: { timeoutMs: 15 * 60_000, outputLimitBytes: 4 * MiB },
      run: { command: 'node server.js', health: '/', memoryBytes: 512 * MiB, drainTimeoutMs: 30_000 },
      scale: { min: 1, max: 1, sleepAfterMs: 15 * 60_000, wakeBudgetMs: 10_000, labels: {} },
      routes: [],
      webhooks: [],
      secrets: { required: [] },
      validate: { reproducible: false },
    };
    assert.deepEqual(manifest, expected);
    assert.equal('name' in manifest, false);
    assert.equal(manifest.run?.port, undefined);
  });

  it('accepts an assets-only app without [run]', () => {
    const manifest = parseManifest('[build]\ncommand = "npm run build"\n\n[assets]\ndir = "./public/"\nprefix = "/"\n');
    assert.equal(manifest.run, undefined);
    assert.deepEqual(manifest.assets, { dir: 'public', prefix: '/', immutable: true });
  });

  it('defaults max to min when min is above 1, and to 1 when min is 0', () => {
    assert.deepEqual(parseManifest('[run]\ncommand = "x"\n[scale]\nmin = 3\n').scale.max, 3);
    assert.deepEqual(parseManifest('[run]\ncommand = "x"\n[scale]\nmin = 0\n').scale.max, 1);
  });

  it('reads durations and sizes written as integers', () => {
    const manifest = parseManifest('[build]\ntimeout = 60\noutput_limit = 1024\n[run]\ncommand = "x"\ndrain_timeout = 0\nmemory = "1GiB"\n');
    assert.equal(manifest.build.timeoutMs, 60_000);
    assert.equal(manifest.build.outputLimitBytes, 1024);
    assert.equal(manifest.run?.drainTimeoutMs, 0);
    assert.equal(manifest.run?.memoryBytes, 1024 ** 3);
  });

  it('applies webhook and live defaults per provider', () => {
    const manifest = parseManifest(`[run]
command = "x"
[[webhooks]]
path = "/hooks/a"
provider = "stripe"
secret = "A"
[[webhooks]]
path = "/hooks/b"
provider = "generic-hmac"
secret = "B"
[live]
path = "/ws"
`);
    assert.deepEqual(manifest.webhooks, [
      { path: '/hooks/a', provider: 'stripe', secret: 'A', toleranceMs: 300_000 },
      { path: '/hooks/b', provider: 'generic-hmac', secret: 'B', header: 'X-Signature' },
    ]);
    assert.deepEqual(manifest.live, { path: '/ws', resumable: false });
  });

  it('allows one path for two routes whose methods do not overlap', () => {
    const manifest = parseManifest(`[run]
command = "x"
[[routes]]
path = "/items/:id"
methods = ["GET"]
class = "safe"
[[routes]]
path = "/items/:item"
methods = ["DELETE"]
class = "unsafe"
`);
    assert.equal(manifest.routes.length, 2);
    assert.equal(manifest.routes[1]?.idempotency, 'optional');
  });

  it('accepts inline tables, a byte-order mark and CRLF line ends', () => {
    const manifest = parseManifest('\uFEFFrun = { command = "x", port = 3000 }\r\nscale = { min = 0 }\r\n');
    assert.equal(manifest.run?.port, 3000);
    assert.equal(manifest.scale.min, 0);
  });
});

describe('requiredSecretNames', () => {
  it('lists [secrets] required, then webhook secrets, without duplicates', () => {
    const manifest = parseManifest(exampleManifest);
    assert.deepEqual(requiredSecretNames(manifest), ['DATABASE_URL', 'SESSION_KEY', 'STRIPE_WEBHOOK_SECRET', 'GITHUB_WEBHOOK_SECRET', 'SHIPPING_WEBHOOK_SECRET']);
    const shared = parseManifest('[run]\ncommand = "x"\n[secrets]\nrequired = ["HOOK"]\n[[webhooks]]\npath = "/h"\nprovider = "github"\nsecret = "HOOK"\n');
    assert.deepEqual(requiredSecretNames(shared), ['HOOK']);
  });
});
