import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { startBackend } from '../test-support/backends.js';
import { send } from '../test-support/client.js';
import { startControlPlaneStandIn } from '../test-support/control-plane-stand-in.js';
import { startFeedEdge, reportedIncidents } from '../test-support/feed-edge.js';
import { routeEntry, signedEvent, signedSnapshot, targetEntry, testSigningKey } from '../test-support/feed-documents.js';

// A gap policy set while the owner stays (`berth env set --gap-policy`) reaches the edge as a
// `route.policy` event in the feed: applied in sequence, with no owner change and no snapshot, and
// the next gap is handled by the new policy.
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

test('a route.policy event switches each route\'s gap policy in sequence; the next gap follows the new policy', async () => {
  const [f1, k1, later] = await Promise.all([startBackend('f1'), startBackend('k1'), startBackend('later')]);
  open.push(f1, k1, later);
  const key = testSigningKey();
  const f = routeEntry('f.test', 'env_f', 'dep_f');
  const k = routeEntry('k.test', 'env_k', 'dep_k', 3, { gapPolicy: 'keep_last_owner' });
  const cp = await startControlPlaneStandIn(key, signedSnapshot(key, 1, [f, k], [targetEntry(f1, 'env_f', 'dep_f'), targetEntry(k1, 'env_k', 'dep_k')]));
  open.push(cp);
  const edge = await startFeedEdge(cp);
  open.push(edge);
  await edge.ready();
  const who = async (host: string) => {
    const reply = await send(edge.port, { host });
    return reply.status === 200 ? (reply.json().backend as string) : `${reply.status} ${reply.json<{ error: { code: string } }>().error.code}`;
  };

  // The policies swap: f.test now keeps its last owner through a gap, k.test fails closed.
  cp.append(2, signedEvent(key, 2, { type: 'route.policy', hostname: 'f.test', environmentId: 'env_f', epoch: 1, policy: { ...f.policy, gapPolicy: 'keep_last_owner' } }));
  cp.append(3, signedEvent(key, 3, { type: 'route.policy', hostname: 'k.test', environmentId: 'env_k', epoch: 3, policy: { ...k.policy, gapPolicy: 'fail_closed' } }));
  // One for a route this edge holds at a later epoch: that owner carried its own policy.
  cp.append(4, signedEvent(key, 4, { type: 'route.policy', hostname: 'k.test', environmentId: 'env_k', epoch: 2, policy: { ...k.policy, gapPolicy: 'keep_last_owner' } }));
  await eventually(() => edge.appliedSeq() === 4, { message: 'the policy events applied in sequence' });
  assert.deepEqual([await who('f.test'), await who('k.test')], ['f1', 'k1'], 'the owners did not move, and they still serve');
  assert.deepEqual([edge.table.lookup('f.test')?.epoch, edge.table.lookup('k.test')?.epoch], [1, 3]);

  // A gap: seq 5 never arrives. The truth (the snapshot the edge will fetch) is held back meanwhile.
  let release!: () => void;
  cp.snapshotGate = new Promise((resolve) => (release = resolve));
  cp.snapshot = signedSnapshot(key, 6, [{ ...f, policy: { ...f.policy, gapPolicy: 'keep_last_owner' } }, { ...k, policy: { ...k.policy, gapPolicy: 'fail_closed' } }], [targetEntry(f1, 'env_f', 'dep_f'), targetEntry(k1, 'env_k', 'dep_k'), targetEntry(later, 'env_f', 'dep_f')]);
  cp.append(6, signedEvent(key, 6, { type: 'target.up', target: targetEntry(later, 'env_f', 'dep_f') }));
  await eventually(async () => (await who('k.test')) === '503 route_unverified', { message: 'k.test fails closed, by its new policy' });
  assert.equal(await who('f.test'), 'f1', 'f.test keeps its last verified owner, by its new policy');
  await eventually(() => reportedIncidents(cp).some((incident) => incident.kind === 'gap'), { message: 'the gap is reported' });
  assert.deepEqual(reportedIncidents(cp).find((incident) => incident.kind === 'gap')?.affectedHostnames, ['k.test']);

  release();
  cp.snapshotGate = undefined;
  await eventually(async () => edge.appliedSeq() === 6 && (await who('k.test')) === 'k1', { message: 'the fresh snapshot heals the gap' });
});
