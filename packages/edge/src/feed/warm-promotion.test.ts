import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { startBackend } from '../test-support/backends.js';
import { send } from '../test-support/client.js';
import { startControlPlaneStandIn } from '../test-support/control-plane-stand-in.js';
import { startFeedEdge } from '../test-support/feed-edge.js';
import { routeEntry, signedEvent, signedSnapshot, targetEntry, testSigningKey } from '../test-support/feed-documents.js';

const open: { close(): Promise<void> }[] = [];
after(async () => {
  for (const thing of open.reverse()) await thing.close();
});

test('a promotion\'s new allocation, announced ready before the swap, gets a connection from the edge but no request until the route owner names it; the swap\'s first request uses that connection', async () => {
  const [v1, v2] = await Promise.all([startBackend('v1'), startBackend('v2')]);
  open.push(v1, v2);
  let v2Connections = 0;
  v2.server.on('connection', (_socket: Socket) => (v2Connections += 1));
  const key = testSigningKey();
  const cp = await startControlPlaneStandIn(key, signedSnapshot(key, 1, [routeEntry('shop.test', 'env_prod', 'dep_1', 1)], [targetEntry(v1, 'env_prod', 'dep_1')]));
  open.push(cp);
  const edge = await startFeedEdge(cp);
  open.push(edge);
  await edge.ready();
  assert.equal((await send(edge.port, { host: 'shop.test' })).headers['x-backend'], 'v1');

  // The promotion started dep_2's production allocation; it passed readiness: target.up.
  cp.append(2, signedEvent(key, 2, { type: 'target.up', target: targetEntry(v2, 'env_prod', 'dep_2') }));
  await eventually(() => v2Connections === 1, { message: 'the edge opened a connection to the new allocation ahead of the swap' });
  for (let i = 0; i < 3; i++) assert.equal((await send(edge.port, { host: 'shop.test' })).headers['x-backend'], 'v1', 'the owner still serves');
  assert.equal(v2.seen.length, 0, 'no request reached an allocation its route owner does not name');

  cp.append(3, signedEvent(key, 3, { type: 'route.owner', route: routeEntry('shop.test', 'env_prod', 'dep_2', 2), operationId: 'op_promote' }));
  await eventually(async () => (await send(edge.port, { host: 'shop.test' })).headers['x-backend'] === 'v2', { message: 'the swap reached the edge' });
  assert.equal(v2Connections, 1, 'the first requests after the swap used the connection opened ahead');
});
