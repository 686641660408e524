import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { RouteTable, type Target } from './route-table.js';
import { closedPort, routeTo, startBackend, type Backend } from './test-support/backends.js';
import { send, startEdge, type RunningEdge } from './test-support/client.js';

// Route r.test has two targets: a dead allocation (its port refuses connections) and a live one.
// The affinity cookie sends a request to the dead one first, so each test knows where it starts.
let live: Backend;
let dead: Target;
let edge: RunningEdge;
const table = new RouteTable();
const toDead = { cookie: 'berth_alloc=alloc_dead' };

before(async () => {
  live = await startBackend('live');
  dead = { allocationId: 'alloc_dead', host: '127.0.0.1', port: await closedPort() };
  table.replace([
    routeTo('r.test', 'dep_r', [dead, live.target()]),
    routeTo('dead.test', 'dep_d', [dead]),
    routeTo('live.test', 'dep_l', [live.target()]),
  ]);
  edge = await startEdge({ table, upstreamTimeoutMs: 300 });
});
after(async () => {
  await edge.close(0);
  await live.close();
});

test('a GET whose target refuses the connection is retried once on another target of the route', async () => {
  for (const method of ['GET', 'HEAD']) {
    const before = live.count(method);
    const reply = await send(edge.port, { host: 'r.test', method, headers: toDead });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['x-backend'], 'live');
    assert.equal(live.count(method), before + 1);
  }
  const retries = edge.logs.filter((entry) => entry.event === 'retried');
  assert.equal(retries.length, 2);
  assert.equal(retries[0]?.allocationId, 'alloc_dead');
  assert.equal(retries[0]?.error, 'ECONNREFUSED');
});

test('a POST to a dead target is 502 and is never sent again elsewhere', async () => {
  const reply = await send(edge.port, { host: 'r.test', method: 'POST', body: 'pay once', headers: toDead });
  assert.equal(reply.status, 502);
  assert.equal(reply.headers['x-berth-edge'], '1');
  assert.equal(reply.json<{ error: { code: string } }>().error.code, 'upstream_unreachable');
  assert.equal(live.count('POST'), 0, 'the live backend never saw the POST');
  assert.equal(live.count('DELETE'), 0);
  const del = await send(edge.port, { host: 'r.test', method: 'DELETE', headers: toDead });
  assert.equal(del.status, 502);
  assert.equal(live.count('DELETE'), 0);
});

test('a GET whose only target is dead gets 502 after no retry', async () => {
  const reply = await send(edge.port, { host: 'dead.test' });
  assert.equal(reply.status, 502);
  assert.equal(edge.logs.at(-1)?.event, 'upstream_failed');
});

test('an allocation that does not answer in time gets 504, and a GET timeout is not retried', async () => {
  const before = live.count();
  const reply = await send(edge.port, { host: 'live.test', path: '/hang' });
  assert.equal(reply.status, 504);
  assert.equal(reply.json<{ error: { code: string } }>().error.code, 'upstream_timeout');
  assert.equal(live.count(), before + 1);
});

test('a client that goes away mid-request is logged as 499 and its upstream request is aborted', async () => {
  const before = live.seen.length;
  const req = request({ host: '127.0.0.1', port: edge.port, path: '/hold', agent: false, headers: { host: 'live.test' } });
  req.on('error', () => {});
  req.end();
  await eventually(() => live.seen.length > before, { message: 'the backend received the request' });
  req.destroy();
  await eventually(() => edge.logs.some((entry) => entry.event === 'client_gone' && entry.status === 499), { message: 'the edge logged 499' });
  await eventually(() => live.seen[before]?.aborted === true, { message: 'the backend saw its request end unanswered' });
  assert.ok(!edge.logs.some((entry) => entry.status === 502 && entry.path === '/hold'), 'a client leaving is not the app\'s failure');
});

test('once its response has begun, an allocation may stay silent longer than the upstream timeout', async () => {
  const reply = new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: edge.port, path: '/download?bytes=131072', agent: false, headers: { host: 'live.test' } }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      res.on('end', () => resolve(received));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  await eventually(() => live.seen.some((seen) => seen.url.startsWith('/download')), { message: 'the download began' });
  await new Promise((resolve) => setTimeout(resolve, 700)); // Over twice the 300 ms upstream timeout.
  live.release();
  assert.equal(await reply, 131_072);
});

test('a GET whose allocation dies after its response began is cut, never retried on another allocation', async () => {
  // An allocation that sends a status line and part of its headers, then resets the connection.
  let connections = 0;
  const dying = createNetServer((socket) => {
    connections += 1;
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
  });
  await new Promise<void>((resolve) => dying.listen(0, '127.0.0.1', resolve));
  const dyingTarget = { allocationId: 'alloc_dying', host: '127.0.0.1', port: (dying.address() as AddressInfo).port };
  table.update(routeTo('cut.test', 'dep_cut', [dyingTarget, live.target()]));
  try {
    const before = live.count();
    const outcome = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port: edge.port, path: '/page', agent: false, headers: { host: 'cut.test', cookie: 'berth_alloc=alloc_dying' } }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += String(chunk)));
        res.on('error', () => resolve(`cut after ${JSON.stringify(body)}`));
        res.on('close', () => resolve(res.complete ? `complete ${body}` : `cut after ${JSON.stringify(body)}`));
      });
      req.on('error', (error) => resolve(`error ${error.message}`));
      req.end();
    });
    assert.match(outcome, /^cut after "(partial)?"$/, 'the client sees the cut, not a response stitched from two allocations');
    assert.equal(connections, 1);
    assert.equal(live.count(), before, 'the live allocation never saw the request');
  } finally {
    table.remove('cut.test');
    await new Promise<void>((resolve) => dying.close(() => resolve()));
  }
});
