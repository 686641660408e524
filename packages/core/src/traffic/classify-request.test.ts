import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseManifest } from '../manifest/parse-manifest.js';
import { classifyRequest } from './classify-request.js';
import type { RequestClassification } from './request-class.js';
import { compileTrafficPolicy } from './traffic-policy.js';
import { trafficMatcher } from './traffic-matcher.js';

const manifest = parseManifest(`
[run]
command = "node server.js"
[assets]
dir = "dist/assets"
[[routes]]
path = "/api/search"
methods = ["POST"]
class = "safe"
[[routes]]
path = "/api/orders/*"
methods = ["POST", "PUT", "PATCH", "DELETE"]
class = "unsafe"
idempotency = "required"
[[routes]]
path = "/admin/*"
methods = ["GET"]
class = "unsafe"
[[routes]]
path = "/users/:id"
class = "safe"
[[routes]]
path = "/caf%C3%A9"
methods = ["GET"]
class = "unsafe"
[[webhooks]]
path = "/webhooks/stripe"
provider = "stripe"
secret = "STRIPE_WEBHOOK_SECRET"
[[webhooks]]
path = "/hooks/:source"
provider = "generic-hmac"
secret = "HOOK_SECRET"
[live]
path = "/live"
`);
const matcher = trafficMatcher(compileTrafficPolicy(manifest));
const ws = { upgrade: 'websocket', connection: 'Upgrade' };

/** A classification in a line: "class[ rule path][ !problem kind]", an asset with what it is otherwise. */
function summary(c: RequestClassification): string {
  const problem = 'pathProblem' in c && c.pathProblem ? ` !${c.pathProblem.kind}` : '';
  switch (c.class) {
    case 'safe': return `safe${c.route ? ` ${c.route.path}` : ''}`;
    case 'unsafe': return `unsafe${c.route ? ` ${c.route.path}` : ''}${problem}`;
    case 'webhook': return `webhook ${c.webhook.path}${problem}`;
    case 'asset': return `asset ${c.assetPath} else ${summary(c.otherwise)}`;
    case 'live': return `live${c.live ? ` ${c.live.path}` : ''}${problem}`;
  }
}

type Row = [method: string, target: string, expected: string, headers?: Record<string, string>];
const table: Record<string, Row[]> = {
  'by method, when no rule matches': [
    ['GET', '/', 'safe'], ['GET', '/dashboard?tab=1&x=%2F', 'safe'], ['HEAD', '/dashboard', 'safe'], ['OPTIONS', '/anything', 'safe'],
    ['POST', '/actions/save', 'unsafe'], ['PUT', '/x', 'unsafe'], ['PATCH', '/x', 'unsafe'], ['DELETE', '/x', 'unsafe'],
    // Methods are case-sensitive (RFC 9110): "get" is not GET, and an unknown method is unsafe.
    ['get', '/dashboard', 'unsafe'], ['BREW', '/pot', 'unsafe'],
  ],
  'safe rules match the exact, decoded path only': [
    ['POST', '/api/search', 'safe /api/search'], ['POST', '/api/search?q=shoes#top', 'safe /api/search'], ['POST', '/api/%73earch', 'safe /api/search'],
    ['POST', '/api/search/', 'unsafe'], ['POST', '/API/search', 'unsafe'], ['POST', '/api//search', 'unsafe'], ['GET', '/api/search', 'safe'],
    ['GET', '/users/7', 'safe /users/:id'], ['POST', '/users/7', 'safe /users/:id'], ['POST', '/users/', 'unsafe'], ['POST', '/users/7/', 'unsafe'], ['POST', '/users/7/edit', 'unsafe'],
  ],
  'unsafe rules match any spelling the app may route the same way': [
    ['POST', '/api/orders/42', 'unsafe /api/orders/*'], ['POST', '/api/orders', 'unsafe /api/orders/*'], ['POST', '/API/Orders/42', 'unsafe /api/orders/*'],
    ['DELETE', '/api//orders/42/', 'unsafe /api/orders/*'], ['PUT', '/api/orders%2F42', 'unsafe /api/orders/* !ambiguous'], ['GET', '/api/orders/42', 'safe'],
    ['GET', '/admin/users', 'unsafe /admin/*'], ['HEAD', '/admin/users', 'unsafe /admin/*'], ['GET', '/Admin/users?x', 'unsafe /admin/*'],
    ['GET', '/admin%2Fusers', 'unsafe /admin/* !ambiguous'], ['GET', '/admin%5Cusers', 'unsafe /admin/* !ambiguous'], ['GET', '/x/..%2Fadmin/users', 'unsafe /admin/* !ambiguous'],
    ['GET', '/x/../admin', 'unsafe /admin/* !malformed'], ['GET', '/x/%2e%2e/admin', 'unsafe /admin/* !malformed'], ['GET', '/public/../../admin/x', 'unsafe /admin/* !malformed'],
    ['GET', '/caf%C3%A9', 'unsafe /caf%C3%A9'], ['GET', '/café', 'unsafe /caf%C3%A9'], ['GET', '/CAF%C3%89', 'unsafe /caf%C3%A9'],
  ],
  'a path that cannot be read exactly is unsafe': [
    ['GET', '/files/a%2Fb', 'unsafe !ambiguous'], ['GET', '/files\\a', 'unsafe !ambiguous'], ['GET', '/a/./b', 'unsafe !malformed'], ['GET', '/a/%ZZ', 'unsafe !malformed'],
    ['GET', '/a/%C3', 'unsafe !malformed'], ['GET', '/a%00b', 'unsafe !malformed'], ['GET', '/a%0Ab', 'unsafe !malformed'], ['OPTIONS', '*', 'unsafe !malformed'],
    ['GET', 'http://shop.example/x', 'unsafe !malformed'], ['GET', '', 'unsafe !malformed'], ['GET', `/${'a'.repeat(8192)}`, 'unsafe !malformed'],
    // "//" is not a problem: it is matched as written (an empty segment), and no safe rule has one.
    ['GET', '//dashboard', 'safe'], ['GET', '/img/https://example.com/a.png', 'safe'],
  ],
  'webhooks: a POST to any spelling of the path': [
    ['POST', '/webhooks/stripe', 'webhook /webhooks/stripe'], ['POST', '/webhooks/stripe?from=stripe', 'webhook /webhooks/stripe'],
    ['POST', '/Webhooks/Stripe/', 'webhook /webhooks/stripe'], ['POST', '//webhooks//stripe', 'webhook /webhooks/stripe'], ['POST', '/webhooks/%73tripe', 'webhook /webhooks/stripe'],
    ['POST', '/webhooks%2Fstripe', 'webhook /webhooks/stripe !ambiguous'], ['POST', '/x/../webhooks/stripe', 'webhook /webhooks/stripe !malformed'],
    ['POST', '/hooks/shipping', 'webhook /hooks/:source'], ['POST', '/hooks/', 'unsafe'], ['POST', '/webhooks/stripe/extra', 'unsafe'],
    ['GET', '/webhooks/stripe', 'safe'], ['PUT', '/webhooks/stripe', 'unsafe'],
  ],
  'assets: GET and HEAD under the prefix, clean paths only': [
    ['GET', '/assets/app.css', 'asset /assets/app.css else safe'], ['HEAD', '/assets/app.css', 'asset /assets/app.css else safe'],
    ['GET', '/assets/app.css?v=3', 'asset /assets/app.css else safe'], ['GET', '/assets/img/a%20b.png', 'asset /assets/img/a b.png else safe'],
    ['GET', '/assets//x.css', 'asset /assets//x.css else safe'], ['GET', '/assets/', 'asset /assets/ else safe'],
    ['POST', '/assets/app.css', 'unsafe'], ['DELETE', '/assets/app.css', 'unsafe'], ['GET', '/assets', 'safe'], ['GET', '/Assets/app.css', 'safe'],
    ['GET', '/assets/%2e%2e/server.js', 'unsafe !malformed'], ['GET', '/assets/..%2Fserver.js', 'unsafe !ambiguous'], ['GET', '/assets/a%5Cb', 'unsafe !ambiguous'],
  ],
  'live: every WebSocket upgrade; the [live] spec on its path': [
    ['GET', '/live', 'live /live', ws], ['GET', '/live?token=abc', 'live /live', ws], ['GET', '/live', 'live /live', { upgrade: 'WebSocket', connection: 'keep-alive, Upgrade' }],
    ['GET', '/live/', 'live', ws], ['GET', '/other', 'live', ws], ['GET', '/assets/x', 'live', ws], ['GET', '/a/../live', 'live !malformed', ws],
    ['GET', '/live', 'safe'], ['GET', '/live', 'safe', { upgrade: 'websocket' }], ['GET', '/live', 'safe', { upgrade: 'h2c', connection: 'Upgrade' }],
    ['POST', '/live', 'unsafe', ws],
  ],
};

describe('classifyRequest', () => {
  for (const [group, rows] of Object.entries(table)) {
    it(group, () => {
      for (const [method, target, expected, headers = {}] of rows) {
        assert.equal(summary(classifyRequest(matcher, method, target, headers)), expected, `${method} ${target.length > 60 ? `${target.slice(0, 60)}...` : target}`);
      }
    });
  }

  it('carries the matched rule, with its idempotency policy, and the webhook spec', () => {
    const order = classifyRequest(matcher, 'POST', '/api/orders/1', {});
    assert.equal(order.class === 'unsafe' && order.route?.idempotency, 'required');
    const hook = classifyRequest(matcher, 'POST', '/webhooks/stripe', {});
    assert.deepEqual(hook.class === 'webhook' && hook.webhook, { path: '/webhooks/stripe', provider: 'stripe', secret: 'STRIPE_WEBHOOK_SECRET', toleranceMs: 300_000 });
  });

  it('lets the first matching rule decide, in file order', () => {
    const ordered = (first: string, second: string) => trafficMatcher(compileTrafficPolicy(parseManifest(`[run]\ncommand = "x"\n${first}\n${second}\n`)));
    const safeFirst = ordered('[[routes]]\npath = "/api/*"\nclass = "safe"', '[[routes]]\npath = "/api/admin/*"\nclass = "unsafe"');
    const unsafeFirst = ordered('[[routes]]\npath = "/api/admin/*"\nclass = "unsafe"', '[[routes]]\npath = "/api/*"\nclass = "safe"');
    assert.equal(summary(classifyRequest(safeFirst, 'POST', '/api/admin/x', {})), 'safe /api/*');
    assert.equal(summary(classifyRequest(unsafeFirst, 'POST', '/api/admin/x', {})), 'unsafe /api/admin/*');
    assert.equal(summary(classifyRequest(unsafeFirst, 'POST', '/api/other', {})), 'safe /api/*');
  });

  it('treats every clean GET as an asset candidate under the prefix "/", with its class otherwise', () => {
    const root = trafficMatcher(compileTrafficPolicy(parseManifest('[run]\ncommand = "x"\n[assets]\ndir = "public"\nprefix = "/"\n[[routes]]\npath = "/admin/*"\nclass = "unsafe"\n')));
    assert.equal(summary(classifyRequest(root, 'GET', '/index.html', {})), 'asset /index.html else safe');
    assert.equal(summary(classifyRequest(root, 'GET', '/admin/x', {})), 'asset /admin/x else unsafe /admin/*');
    assert.equal(summary(classifyRequest(root, 'GET', '/a%2Fb', {})), 'unsafe !ambiguous');
  });

  it('classifies the same from a policy that travelled as JSON, and the policy is frozen plain data', () => {
    const policy = compileTrafficPolicy(manifest);
    const travelled = trafficMatcher(JSON.parse(JSON.stringify(policy)));
    for (const rows of Object.values(table)) {
      for (const [method, target, , headers = {}] of rows) assert.deepEqual(classifyRequest(travelled, method, target, headers), classifyRequest(matcher, method, target, headers));
    }
    assert.ok(Object.isFrozen(policy) && Object.isFrozen(policy.routes[0]) && Object.isFrozen(policy.routes[0]?.methods));
    assert.equal(policy.format, 'berth.traffic-policy/1');
    assert.equal(policy.assetsPrefix, '/assets/');
  });

  it('without [assets], [[routes]], [[webhooks]] or [live], goes by method alone', () => {
    const bare = trafficMatcher(compileTrafficPolicy(parseManifest('[run]\ncommand = "node server.js"\n')));
    assert.equal(summary(classifyRequest(bare, 'GET', '/assets/app.css', {})), 'safe');
    assert.equal(summary(classifyRequest(bare, 'POST', '/webhooks/stripe', {})), 'unsafe');
    assert.equal(summary(classifyRequest(bare, 'GET', '/live', ws)), 'live');
  });
});
