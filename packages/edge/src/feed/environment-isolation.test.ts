import assert from 'node:assert/strict';
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

test('a preview hostname never reaches production allocations and the reverse, even when both run one deployment', async () => {
  const [prod2, prev3, prod3] = await Promise.all([startBackend('prod2'), startBackend('prev3'), startBackend('prod3')]);
  open.push(prod2, prev3, prod3);
  const key = testSigningKey();
  // One app, two environments: production serves dep_2, the preview serves dep_3.
  const cp = await startControlPlaneStandIn(key, signedSnapshot(key, 1, [
    routeEntry('www.test', 'env_prod', 'dep_2', 1),
    routeEntry('pr-3.test', 'env_preview', 'dep_3', 1, { environmentKind: 'preview' }),
  ], [targetEntry(prod2, 'env_prod', 'dep_2'), targetEntry(prev3, 'env_preview', 'dep_3')]));
  open.push(cp);
  const edge = await startFeedEdge(cp);
  open.push(edge);
  await edge.ready();
  const who = async (host: string, cookie?: string) => {
    const reply = await send(edge.port, { host, headers: cookie ? { cookie } : {} });
    return reply.status === 200 ? reply.headers['x-backend'] : reply.status;
  };

  for (let i = 0; i < 3; i++) {
    assert.equal(await who('pr-3.test', 'berth_alloc=alloc_prod2'), 'prev3', 'an affinity cookie naming a production allocation is not a target of the preview');
    assert.equal(await who('www.test', 'berth_alloc=alloc_prev3'), 'prod2');
  }
  // Promotion: production's owner becomes dep_3, the preview's deployment. Its production
  // allocations are not ready yet, so production answers 503: the preview's allocation of the
  // same deployment never serves it (it runs with the preview's environment, its database).
  cp.append(2, signedEvent(key, 2, { type: 'route.owner', route: routeEntry('www.test', 'env_prod', 'dep_3', 2), operationId: 'op_promote' }));
  await eventually(async () => (await who('www.test')) === 503, { message: 'production waits for its own allocations of dep_3' });
  assert.equal(await who('www.test', 'berth_alloc=alloc_prev3'), 503);
  cp.append(3, signedEvent(key, 3, { type: 'target.up', target: targetEntry(prod3, 'env_prod', 'dep_3') }));
  await eventually(async () => (await who('www.test')) === 'prod3');
  // The preview loses its allocation: it answers 503, never with production's.
  cp.append(4, signedEvent(key, 4, { type: 'target.down', allocationId: 'alloc_prev3', deploymentId: 'dep_3', environmentId: 'env_preview' }));
  await eventually(async () => (await who('pr-3.test')) === 503);
  assert.equal(await who('pr-3.test', 'berth_alloc=alloc_prod3'), 503);
  const prevSeen = prev3.seen.length;
  for (let i = 0; i < 3; i++) assert.equal(await who('www.test', 'berth_alloc=alloc_prev3'), 'prod3');
  assert.equal(prev3.seen.length, prevSeen);
  assert.ok(prod2.seen.every((seen) => seen.headers.host === 'www.test'), 'production allocations only ever saw the production hostname');
  assert.ok(prod3.seen.every((seen) => seen.headers.host === 'www.test'));
  assert.ok(prev3.seen.every((seen) => seen.headers.host === 'pr-3.test'), 'the preview allocation only ever saw the preview hostname');
});
