import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RouteTable } from './route-table.js';
import { routeTo, startBackend, type Backend } from './test-support/backends.js';
import { send, sendRaw, startEdge, type RunningEdge } from './test-support/client.js';

// Three deployments: a (two allocations), b (one), and c whose route has nothing ready.
let a1: Backend, a2: Backend, b1: Backend, c1: Backend;
let edge: RunningEdge;
const table = new RouteTable();

before(async () => {
  [a1, a2, b1, c1] = await Promise.all([startBackend('a1'), startBackend('a2'), startBackend('b1'), startBackend('c1')]);
  table.replace([
    routeTo('a.test', 'dep_a', [a1.target(), a2.target()]),
    routeTo('b.test', 'dep_b', [b1.target()]),
    // c1 runs, but it is not a target of anything: rule 1 says it must never serve c.test.
    routeTo('c.test', 'dep_c', []),
  ]);
  edge = await startEdge({ table });
});
after(async () => {
  await edge.close(0);
  await Promise.all([a1, a2, b1, c1].map((backend) => backend.close()));
});

const counts = () => [a1, a2, b1, c1].map((backend) => backend.count());

test('a request reaches a target of the route its Host names', async () => {
  const before = counts();
  const reply = await send(edge.port, { host: 'B.test:80', path: '/hello?x=1' });
  assert.equal(reply.status, 200);
  assert.equal(reply.json().backend, 'b1');
  assert.equal(reply.json().url, '/hello?x=1');
  assert.equal(reply.headers['x-berth-edge'], undefined, 'a proxied answer is the app\'s, not the edge\'s');
  assert.deepEqual(counts(), [before[0], before[1], before[2]! + 1, before[3]]);
});

test('an unknown host gets the edge\'s 404, in JSON or HTML by Accept, and no backend is called', async () => {
  const before = counts();
  const json = await send(edge.port, { host: 'nobody.test' });
  assert.equal(json.status, 404);
  assert.equal(json.headers['x-berth-edge'], '1');
  assert.equal(json.json<{ error: { code: string } }>().error.code, 'host_not_found');
  const html = await send(edge.port, { host: 'nobody.test', headers: { accept: 'text/html,application/xhtml+xml' } });
  assert.equal(html.status, 404);
  assert.match(html.headers['content-type'] ?? '', /text\/html/);
  assert.match(html.text, /<h1>404 Not Found<\/h1>/);
  assert.deepEqual(counts(), before);
});

test('a route with no ready target answers 503 and never borrows another deployment\'s allocation', async () => {
  const before = counts();
  for (let i = 0; i < 5; i++) {
    const reply = await send(edge.port, { host: 'c.test', method: i % 2 ? 'POST' : 'GET', body: i % 2 ? 'x' : undefined, headers: { cookie: `berth_alloc=alloc_a1` } });
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['retry-after'], '1');
    assert.equal(reply.headers['x-berth-edge'], '1');
    assert.equal(reply.json<{ error: { code: string } }>().error.code, 'no_ready_target');
  }
  assert.deepEqual(counts(), before, 'no backend saw any of them');
});

test('round-robin spreads a route\'s requests over its two targets', async () => {
  const served: string[] = [];
  for (let i = 0; i < 6; i++) served.push((await send(edge.port, { host: 'a.test' })).json().backend as string);
  assert.equal(served.filter((name) => name === 'a1').length, 3);
  assert.equal(served.filter((name) => name === 'a2').length, 3);
  for (let i = 1; i < served.length; i++) assert.notEqual(served[i], served[i - 1], 'consecutive requests alternate');
});

test('the berth_alloc cookie keeps a browser on its allocation', async () => {
  for (let i = 0; i < 4; i++) {
    const reply = await send(edge.port, { host: 'a.test', headers: { cookie: 'session=s1; berth_alloc=alloc_a2' } });
    assert.equal(reply.json().backend, 'a2');
  }
  // A cookie naming an allocation of another route is not a target here; round-robin decides.
  const reply = await send(edge.port, { host: 'b.test', headers: { cookie: 'berth_alloc=alloc_a2' } });
  assert.equal(reply.json().backend, 'b1');
});

test('the app sees X-Forwarded-* set by the edge, not claimed by the client', async () => {
  const reply = await send(edge.port, {
    host: 'b.test:8080',
    headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'https' },
  });
  const headers = reply.json<{ headers: Record<string, string> }>().headers;
  assert.equal(headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(headers['x-forwarded-proto'], 'http');
  assert.equal(headers['x-forwarded-host'], 'b.test:8080');
  assert.equal(headers.host, 'b.test:8080', 'the app sees the hostname it was called by');
});

test('a second Host header never reaches the app: it sees the hostname the edge routed by', async () => {
  const raw = await sendRaw(edge.port, 'GET /twice HTTP/1.1\r\nHost: b.test\r\nHost: a.test\r\nConnection: close\r\n\r\n');
  const body = JSON.parse(raw.slice(raw.indexOf('{'), raw.lastIndexOf('}') + 1)) as { backend: string; rawHeaders: string[] };
  assert.equal(body.backend, 'b1');
  const hosts = body.rawHeaders.filter((_, i) => i % 2 === 1 && body.rawHeaders[i - 1]!.toLowerCase() === 'host');
  assert.deepEqual(hosts, ['b.test']);
});

test('X-Request-Id: a valid incoming one is kept, a missing or invalid one is replaced', async () => {
  const kept = await send(edge.port, { host: 'b.test', headers: { 'x-request-id': 'trace-1234.abc' } });
  assert.equal(kept.json<{ headers: Record<string, string> }>().headers['x-request-id'], 'trace-1234.abc');
  assert.equal(kept.headers['x-request-id'], 'trace-1234.abc', 'the client sees the id the app saw');
  const made = await send(edge.port, { host: 'b.test' });
  const id = made.json<{ headers: Record<string, string> }>().headers['x-request-id'];
  assert.match(id ?? '', /^[0-9a-f-]{36}$/);
  const replaced = await send(edge.port, { host: 'b.test', headers: { 'x-request-id': 'bad id with spaces' } });
  assert.notEqual(replaced.json<{ headers: Record<string, string> }>().headers['x-request-id'], 'bad id with spaces');
  const refused = await send(edge.port, { host: 'nobody.test', headers: { 'x-request-id': 'trace-404' } });
  assert.equal(refused.headers['x-request-id'], 'trace-404', 'the edge\'s own answers carry it too');
});

test('hop-by-hop headers stop at the edge in both directions', async () => {
  const reply = await send(edge.port, { host: 'b.test', headers: { connection: 'keep-alive, x-secret', 'x-secret': 'hop', 'proxy-authorization': 'Basic x', te: 'trailers', 'x-kept': 'yes' } });
  const headers = reply.json<{ headers: Record<string, string> }>().headers;
  assert.equal(headers['x-secret'], undefined);
  assert.equal(headers['proxy-authorization'], undefined);
  assert.equal(headers.te, undefined);
  assert.equal(headers['x-kept'], 'yes');
  const cookies = await send(edge.port, { host: 'b.test', path: '/cookies' });
  assert.deepEqual(cookies.headers['set-cookie'], ['a=1', 'b=2'], 'repeated response headers survive');
  assert.equal(cookies.headers['x-hop'], undefined);
  assert.equal(cookies.text, 'cookies');
});
