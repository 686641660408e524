import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { RouteTable } from './route-table.js';
import { routeTo, startBackend, type Backend } from './test-support/backends.js';
import { send, startEdge, type RunningEdge } from './test-support/client.js';

/**
 * An app that closes a kept-alive connection the moment its next request arrives, unanswered: the
 * race of an app closing an idle connection while the edge reuses it. Every first request on a
 * connection is answered; every second one is dropped with the connection, and so is any POST.
 */
async function startClosingApp(): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let answered = 0;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += String(chunk);
      let end = buffered.indexOf('\r\n\r\n');
      while (end !== -1) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        buffered = buffered.slice(length);
        const method = head.split(' ', 1)[0]!;
        requests.push(method);
        if (answered === 1 || method === 'POST') {
          socket.destroy();
          return;
        }
        answered += 1;
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=60\r\n\r\nok');
        end = buffered.indexOf('\r\n\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let app: Awaited<ReturnType<typeof startClosingApp>>;
let backend: Backend;
let edge: RunningEdge;
const table = new RouteTable();

before(async () => {
  app = await startClosingApp();
  backend = await startBackend('u1');
  table.replace([
    routeTo('closing.test', 'dep_c', [{ allocationId: 'alloc_c', host: '127.0.0.1', port: app.port }]),
    routeTo('up.test', 'dep_u', [backend.target()]),
  ]);
  edge = await startEdge({ table });
});
after(async () => {
  await edge.close(0);
  await app.close();
  await backend.close();
});

test('a GET on a kept-alive connection the app just closed is sent again over a fresh one; a POST is not', async () => {
  assert.equal((await send(edge.port, { host: 'closing.test' })).status, 200);
  const get = await send(edge.port, { host: 'closing.test' });
  assert.equal(get.status, 200);
  assert.equal(get.text, 'ok');
  assert.deepEqual(app.requests, ['GET', 'GET', 'GET'], 'the second GET was dropped once, then answered on a new connection');
  assert.ok(edge.logs.some((entry) => entry.event === 'retried' && entry.allocationId === 'alloc_c'));

  const post = await send(edge.port, { host: 'closing.test', method: 'POST', body: 'once' });
  assert.equal(post.status, 502);
  assert.equal(post.headers['x-berth-edge'], '1');
  assert.deepEqual(app.requests.slice(3), ['POST'], 'the POST reached the app once and was never sent again');
});

test('request ids the edge makes are distinct per request and UUID-shaped', async () => {
  const ids = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const reply = await send(edge.port, { host: 'up.test' });
    const id = reply.json<{ headers: Record<string, string> }>().headers['x-request-id']!;
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(reply.headers['x-request-id'], id, 'the client sees the id the app saw');
    ids.add(id);
  }
  assert.equal(ids.size, 20);
});

test('a chunked upload streams through to the app whole, framed again by the edge', async () => {
  const body = Buffer.alloc(300_000, 9);
  const reply = await send(edge.port, { host: 'up.test', method: 'PUT', path: '/upload', headers: { 'transfer-encoding': 'chunked' }, body });
  assert.equal(reply.status, 200);
  const answer = reply.json<{ bytes: number; headers: Record<string, string> }>();
  assert.equal(answer.bytes, body.length);
  assert.equal(answer.headers['transfer-encoding'], 'chunked');
});
