import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoadBalancer, affinityTarget } from './load-balancer.js';
import { RouteTable } from './route-table.js';

function tableWith(...allocationIds: string[]) {
  const table = new RouteTable();
  table.update({ hostname: 'a.test', epoch: 1, deploymentId: 'dep_a', environmentId: 'env_a', targets: allocationIds.map((id, i) => ({ allocationId: id, host: '127.0.0.1', port: 9000 + i })) });
  return table.lookup('a.test')!;
}

test('round-robin visits every target in turn', () => {
  const route = tableWith('alloc_1', 'alloc_2', 'alloc_3');
  const balancer = new LoadBalancer();
  const picks = Array.from({ length: 6 }, () => balancer.pick(route, undefined)?.allocationId);
  assert.deepEqual(picks, ['alloc_1', 'alloc_2', 'alloc_3', 'alloc_1', 'alloc_2', 'alloc_3']);
});

test('a route without targets gets no target', () => {
  assert.equal(new LoadBalancer().pick(tableWith(), 'berth_alloc=alloc_1'), undefined);
});

test('the affinity cookie pins a target only while that target is in the route', () => {
  const route = tableWith('alloc_1', 'alloc_2');
  const balancer = new LoadBalancer();
  for (let i = 0; i < 3; i++) assert.equal(balancer.pick(route, 'theme=dark; berth_alloc=alloc_2; x=1')?.allocationId, 'alloc_2');
  // An allocation that left the route (or belongs to another deployment) is ignored: round-robin.
  const picks = new Set([1, 2, 3, 4].map(() => balancer.pick(route, 'berth_alloc=alloc_elsewhere')?.allocationId));
  assert.deepEqual([...picks].sort(), ['alloc_1', 'alloc_2']);
});

test('the cookie scan needs an exact name and an exact value', () => {
  const route = tableWith('alloc_1', 'alloc_10');
  assert.equal(affinityTarget(route.targets, 'berth_alloc=alloc_10')?.allocationId, 'alloc_10');
  assert.equal(affinityTarget(route.targets, 'berth_alloc=alloc_1;other=2')?.allocationId, 'alloc_1');
  assert.equal(affinityTarget(route.targets, 'xberth_alloc=alloc_1'), undefined);
  assert.equal(affinityTarget(route.targets, 'berth_alloc=alloc_100'), undefined);
  assert.equal(affinityTarget(route.targets, 'a=berth_alloc=alloc_1'), undefined);
  assert.equal(affinityTarget(route.targets, 'a=1; berth_alloc=alloc_1')?.allocationId, 'alloc_1');
});

test('a retry avoids the target that failed, even when the cookie pins it', () => {
  const route = tableWith('alloc_1', 'alloc_2');
  const balancer = new LoadBalancer();
  const failed = route.targets[0]!;
  for (let i = 0; i < 3; i++) assert.equal(balancer.pick(route, 'berth_alloc=alloc_1', failed)?.allocationId, 'alloc_2');
  const single = tableWith('alloc_1');
  assert.equal(balancer.pick(single, undefined, single.targets[0]), undefined, 'nothing else to try');
});
