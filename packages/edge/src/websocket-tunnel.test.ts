import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { RouteTable } from './route-table.js';
import { routeTo, startBackend, type Backend } from './test-support/backends.js';
import { startEdge, type RunningEdge } from './test-support/client.js';

let w1: Backend, w2: Backend;
let edge: RunningEdge;
const table = new RouteTable();

before(async () => {
  [w1, w2] = await Promise.all([startBackend('w1'), startBackend('w2')]);
  for (const backend of [w1, w2]) echoWebSockets(backend);
  table.replace([routeTo('ws.test', 'dep_w', [w1.target(), w2.target()]), routeTo('cold.test', 'dep_c', [])]);
  edge = await startEdge({ table });
});
after(async () => {
  await edge.close(0);
  await Promise.all([w1.close(), w2.close()]);
});

/** A WebSocket endpoint on a backend that answers every message with `<backend name>:<message>`. */
function echoWebSockets(backend: Backend): void {
  new WebSocketServer({ server: backend.server }).on('connection', (socket, req) => {
    backend.seen.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers, aborted: false });
    socket.on('message', (data) => socket.send(`${backend.name}:${String(data)}`));
  });
}

async function openSocket(host: string, cookie?: string, port = edge.port): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/chat`, { headers: { host, ...(cookie ? { cookie } : {}) } });
  await once(socket, 'open');
  return socket;
}

async function ask(socket: WebSocket, text: string): Promise<string> {
  socket.send(text);
  const [data] = await once(socket, 'message');
  return String(data);
}

/** The status of a refused handshake, as the client sees it. */
async function refusedStatus(host: string): Promise<{ status: number; edgeHeader: string | undefined }> {
  const socket = new WebSocket(`ws://127.0.0.1:${edge.port}/chat`, { headers: { host } });
  socket.on('error', () => {});
  const [, res] = (await once(socket, 'unexpected-response')) as [unknown, { statusCode: number; headers: Record<string, string> }];
  socket.terminate();
  return { status: res.statusCode, edgeHeader: res.headers['x-berth-edge'] };
}

test('a WebSocket echoes through the edge, with the affinity cookie choosing the allocation', async () => {
  const socket = await openSocket('ws.test', 'berth_alloc=alloc_w2');
  assert.equal(await ask(socket, 'hello'), 'w2:hello');
  assert.equal(await ask(socket, 'again'), 'w2:again');
  socket.close();
  const upgrade = w2.seen.findLast((seen) => seen.method === 'UPGRADE');
  assert.equal(upgrade?.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(upgrade?.headers.host, 'ws.test');
  assert.match(String(upgrade?.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});

test('an open WebSocket stays pinned to its allocation when the route moves', async () => {
  const socket = await openSocket('ws.test', 'berth_alloc=alloc_w1');
  assert.equal(await ask(socket, 'one'), 'w1:one');
  table.update(routeTo('ws.test', 'dep_w2', [w2.target()], 2));
  assert.equal(await ask(socket, 'two'), 'w1:two', 'the open socket still talks to the allocation that accepted it');
  const fresh = await openSocket('ws.test', 'berth_alloc=alloc_w1');
  assert.equal(await ask(fresh, 'three'), 'w2:three', 'a new socket follows the route; the stale cookie is ignored');
  socket.close();
  fresh.close();
  table.update(routeTo('ws.test', 'dep_w', [w1.target(), w2.target()], 3));
});

test('an upgrade to a route without a ready target gets 503, to an unknown host 404', async () => {
  const counts = [w1.count(), w2.count()];
  assert.deepEqual(await refusedStatus('cold.test'), { status: 503, edgeHeader: '1' });
  assert.deepEqual(await refusedStatus('nobody.test'), { status: 404, edgeHeader: '1' });
  assert.deepEqual([w1.count(), w2.count()], counts);
});

test('closing the edge cuts open WebSockets first', async () => {
  const closing = await startEdge({ table });
  const socket = await openSocket('ws.test', 'berth_alloc=alloc_w1', closing.port);
  assert.equal(await ask(socket, 'ping'), 'w1:ping');
  const closed = once(socket, 'close');
  const started = Date.now();
  await closing.close(5_000);
  await closed;
  assert.ok(Date.now() - started < 2_000, 'a tunnel does not hold the close for the whole grace period');
});
