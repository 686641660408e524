import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { RouteTable } from './route-table.js';
import { TargetPool } from './target-pool.js';
import { routeTo, startBackend, type Backend } from './test-support/backends.js';
import { send, startEdge } from './test-support/client.js';

/** A backend that counts the connections it accepted and those still open. */
interface Counted {
  backend: Backend;
  accepted: number;
  open: Set<Socket>;
}

let old: Counted;
let fresh: Counted;

async function counted(name: string): Promise<Counted> {
  const backend = await startBackend(name);
  const c: Counted = { backend, accepted: 0, open: new Set() };
  backend.server.on('connection', (socket: Socket) => {
    c.accepted += 1;
    c.open.add(socket);
    socket.on('close', () => c.open.delete(socket));
  });
  return c;
}

before(async () => {
  [old, fresh] = await Promise.all([counted('old'), counted('fresh')]);
});
after(async () => {
  await Promise.all([old.backend.close(), fresh.backend.close()]);
});

test('a warmed allocation gets one connection ahead of its first request, and that request uses it', async () => {
  const pool = new TargetPool();
  const target = fresh.backend.target('alloc_warm_1');
  const acceptedBefore = fresh.accepted;
  pool.warm([target]);
  await eventually(() => fresh.accepted === acceptedBefore + 1, { message: 'the spare connection reached the app before any request' });
  assert.equal(fresh.backend.count(), 0, 'no request was sent to open it');
  const answer = await pool.poolFor(target).request({ path: '/first', method: 'GET' });
  assert.equal(answer.statusCode, 200);
  await answer.body.dump();
  assert.equal(fresh.accepted, acceptedBefore + 1, 'the first request went over the spare: no second connection');
  assert.equal(pool.spareCount, 0);
  pool.destroy();
});

test('an unused spare is closed by the edge after the idle timeout, and one per allocation at most', async () => {
  const pool = new TargetPool({ idleSocketTimeoutMs: 150 });
  const target = fresh.backend.target('alloc_warm_2');
  const acceptedBefore = fresh.accepted;
  pool.warm([target]);
  pool.warm([target]);
  await eventually(() => fresh.accepted === acceptedBefore + 1, { message: 'the spare connected' });
  assert.equal(pool.spareCount, 1);
  await eventually(() => pool.spareCount === 0 && fresh.open.size === 0, { message: 'the spare was closed after 150 ms unused' });
  assert.equal(fresh.accepted, acceptedBefore + 1, 'warming twice opened one spare');
  pool.destroy();
});

test('the spare of an allocation that is no longer ready is closed', async () => {
  const pool = new TargetPool();
  pool.warm([fresh.backend.target('alloc_warm_3')]);
  await eventually(() => fresh.open.size === 1, { message: 'the spare connected' });
  pool.retainOnly(() => false);
  await eventually(() => fresh.open.size === 0, { message: 'the spare closed' });
  assert.equal(pool.spareCount, 0);
  pool.destroy();
});

test('through the edge: an allocation the feed announces as ready gets a connection before the swap, and the swap\'s first request uses it; no request reaches it before', async () => {
  const table = new RouteTable();
  table.replace([routeTo('swap.test', 'dep_old', [old.backend.target('alloc_old')], 1)]);
  // The feed announces every ready allocation, the route owner's too.
  table.addReadyTarget(old.backend.target('alloc_old'));
  const edge = await startEdge({ table });
  try {
    assert.equal((await send(edge.port, { host: 'swap.test' })).json().backend, 'old');
    const acceptedBefore = fresh.accepted;
    const requestsBefore = fresh.backend.count();
    // The new production allocation passed readiness: announced, not yet named by the route.
    table.addReadyTarget(fresh.backend.target('alloc_new'));
    await eventually(() => fresh.accepted === acceptedBefore + 1, { message: 'the edge opened a connection to the new allocation' });
    assert.equal(fresh.backend.count(), requestsBefore, 'nothing is routed to an allocation its route does not name');
    assert.equal((await send(edge.port, { host: 'swap.test' })).json().backend, 'old', 'the route still serves its owner');

    table.update(routeTo('swap.test', 'dep_new', [fresh.backend.target('alloc_new')], 2));
    assert.equal((await send(edge.port, { host: 'swap.test' })).json().backend, 'fresh');
    assert.equal(fresh.accepted, acceptedBefore + 1, 'the first request after the swap went over the connection opened ahead');

    // The old owner stays ready until it drains: its pool is kept, so swapping back reuses it.
    const oldAccepted = old.accepted;
    table.update(routeTo('swap.test', 'dep_old', [old.backend.target('alloc_old')], 3));
    assert.equal((await send(edge.port, { host: 'swap.test' })).json().backend, 'old');
    assert.equal(old.accepted, oldAccepted, 'the old owner\'s kept-alive connection served the swap back');

    table.removeReadyTarget('alloc_new');
    await eventually(() => fresh.open.size === 0, { message: 'connections to an allocation no longer ready are closed' });
  } finally {
    await edge.close(0);
  }
});
