import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { RouteTable } from './route-table.js';
import { routeTo, startBackend, type Backend } from './test-support/backends.js';
import { send, startEdge } from './test-support/client.js';

let backend: Backend;
const table = new RouteTable();

before(async () => {
  backend = await startBackend('g1');
  table.replace([routeTo('g.test', 'dep_g', [backend.target()])]);
});
after(() => backend.close());

test('close stops new connections and waits for the requests in flight', async () => {
  const edge = await startEdge({ table });
  const inFlight = send(edge.port, { host: 'g.test', path: '/hold' });
  await eventually(() => backend.count() > 0, { message: 'the backend holds the request' });
  let closed = false;
  const closing = edge.close(10_000).then(() => (closed = true));
  await eventually(() => !edge.server.listening, { message: 'the edge stopped listening' });
  await assert.rejects(send(edge.port, { host: 'g.test' }), { code: 'ECONNREFUSED' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(closed, false, 'close waits while a request is in flight');
  backend.release();
  const reply = await inFlight;
  assert.equal(reply.status, 200);
  assert.equal(reply.headers.connection, 'close', 'the client is told not to reuse the connection');
  await closing;
  assert.equal(closed, true);
});

test('close cuts what is still running when the grace period ends', async () => {
  const edge = await startEdge({ table });
  const inFlight = send(edge.port, { host: 'g.test', path: '/hang' });
  await eventually(() => backend.seen.some((seen) => seen.url === '/hang'), { message: 'the backend holds the request' });
  const started = Date.now();
  await edge.close(300);
  const waited = Date.now() - started;
  assert.ok(waited >= 250 && waited < 2_000, `close took ${waited} ms for a 300 ms grace`);
  await assert.rejects(inFlight, { code: 'ECONNRESET' });
  await eventually(() => backend.seen.find((seen) => seen.url === '/hang')?.aborted === true, { message: 'the upstream request was aborted too' });
});
