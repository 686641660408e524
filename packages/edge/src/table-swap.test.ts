import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RouteTable } from './route-table.js';
import { routeTo, startBackend, type Backend } from './test-support/backends.js';
import { send, startEdge, type RunningEdge } from './test-support/client.js';

let a: Backend, b: Backend, c: Backend;
let edge: RunningEdge;
const table = new RouteTable();

before(async () => {
  [a, b, c] = await Promise.all([startBackend('a'), startBackend('b'), startBackend('c')]);
  edge = await startEdge({ table });
});
after(async () => {
  await edge.close(0);
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('moving a route between deployments mid-traffic never sends a request to a third deployment', async () => {
  // move.test flips between deployments A and B with every epoch; other.test belongs to C throughout.
  let epoch = 1;
  const snapshot = () => [
    routeTo('move.test', epoch % 2 ? 'dep_a' : 'dep_b', [epoch % 2 ? a.target() : b.target()], epoch),
    routeTo('other.test', 'dep_c', [c.target()]),
  ];
  table.replace(snapshot());
  let swapping = true;
  const swapper = (async () => {
    while (swapping) {
      epoch += 1;
      // Alternate the two ways a feed changes the table: a whole snapshot, or one route's event.
      if (epoch % 3 === 0) table.replace(snapshot());
      else table.update(snapshot()[0]!);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();

  const servedMove = new Map<string, number>();
  let otherSent = 0;
  let next = 0;
  const worker = async () => {
    while (next < 400) {
      const i = next++;
      const host = i % 5 === 0 ? 'other.test' : 'move.test';
      if (host === 'other.test') otherSent += 1;
      const reply = await send(edge.port, { host });
      assert.equal(reply.status, 200);
      const backend = reply.json().backend as string;
      if (host === 'other.test') assert.equal(backend, 'c');
      else servedMove.set(backend, (servedMove.get(backend) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  swapping = false;
  await swapper;

  assert.deepEqual([...servedMove.keys()].sort(), ['a', 'b'], 'both owners served while the route moved, and nobody else');
  assert.equal(c.count(), otherSent, 'C saw exactly the requests for its own hostname');
  assert.ok(epoch > 20, `the table changed ${epoch} times during the run`);
});
