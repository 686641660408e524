import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRoutePublicKey, signDocument } from '@berth/core';
import { RouteTable } from '../route-table.js';
import { routeEntry, signedEvent, signedSnapshot, testSigningKey } from '../test-support/feed-documents.js';
import { RouteState } from './route-state.js';

const key = testSigningKey();
const target = (allocationId: string, environmentId: string, deploymentId: string, port: number) => ({ allocationId, environmentId, deploymentId, host: '127.0.0.1', port });

function stateWith(routes: Parameters<typeof signedSnapshot>[2], targets: Parameters<typeof signedSnapshot>[3], seq = 1) {
  const table = new RouteTable({ awaitingFirstSnapshot: true });
  const state = new RouteState({ table, publicKey: parseRoutePublicKey(key.publicKeyText).publicKey });
  assert.equal(state.acceptSnapshot(signedSnapshot(key, seq, routes, targets)).ok, true);
  return { table, state };
}
const allocations = (table: RouteTable, host: string) => table.lookup(host)?.targets.map((t) => t.allocationId);

test('a route only gets the ready allocations of its own deployment in its own environment', () => {
  const { table } = stateWith(
    [routeEntry('www.test', 'env_prod', 'dep_1'), routeEntry('pr-1.test', 'env_preview', 'dep_1')],
    [target('alloc_prod', 'env_prod', 'dep_1', 4001), target('alloc_prev', 'env_preview', 'dep_1', 4002), target('alloc_other', 'env_prod', 'dep_0', 4003)],
  );
  assert.deepEqual(allocations(table, 'www.test'), ['alloc_prod']);
  assert.deepEqual(allocations(table, 'pr-1.test'), ['alloc_prev']);
  assert.equal(table.awaitingFirstSnapshot, false);
});

test('events apply strictly in order: duplicates are skipped, a later seq is a gap and nothing past it applies', () => {
  const { table, state } = stateWith([routeEntry('a.test', 'env_a', 'dep_a')], []);
  assert.deepEqual(state.acceptEvent(signedEvent(key, 2, { type: 'target.up', target: target('alloc_1', 'env_a', 'dep_a', 4001) })), { kind: 'applied', seq: 2 });
  assert.deepEqual(state.acceptEvent(signedEvent(key, 2, { type: 'target.up', target: target('alloc_9', 'env_a', 'dep_a', 4009) })), { kind: 'duplicate' });
  assert.deepEqual(state.acceptEvent(signedEvent(key, 1, { type: 'target.up', target: target('alloc_9', 'env_a', 'dep_a', 4009) }), 1), { kind: 'duplicate' });
  const gap = state.acceptEvent(signedEvent(key, 4, { type: 'target.up', target: target('alloc_4', 'env_a', 'dep_a', 4004) }));
  assert.equal(gap.kind, 'gap');
  assert.deepEqual(allocations(table, 'a.test'), ['alloc_1'], 'a gap outcome changes nothing by itself');
  assert.deepEqual(state.enterGap(), ['a.test']);
  assert.equal(table.lookup('a.test')?.failedClosed, true);
  assert.deepEqual(state.acceptEvent(signedEvent(key, 3, { type: 'target.up', target: target('alloc_3', 'env_a', 'dep_a', 4003) })), { kind: 'held' }, 'even the missing event is not applied: only a new baseline clears a gap');
  assert.equal(state.appliedSeq, 2);
});

test('an owner event with an older epoch is applied as a no-op; a newer one moves the route and its targets', () => {
  const { table, state } = stateWith([routeEntry('a.test', 'env_a', 'dep_b', 5)], [target('alloc_a', 'env_a', 'dep_a', 4001), target('alloc_b', 'env_a', 'dep_b', 4002)]);
  assert.equal(state.acceptEvent(signedEvent(key, 2, { type: 'route.owner', route: routeEntry('a.test', 'env_a', 'dep_a', 4), operationId: null })).kind, 'applied');
  assert.deepEqual([table.lookup('a.test')?.deploymentId, allocations(table, 'a.test')], ['dep_b', ['alloc_b']]);
  assert.equal(state.acceptEvent(signedEvent(key, 3, { type: 'route.owner', route: routeEntry('a.test', 'env_a', 'dep_a', 6), operationId: null })).kind, 'applied');
  assert.deepEqual([table.lookup('a.test')?.epoch, allocations(table, 'a.test')], [6, ['alloc_a']]);
  assert.equal(state.acceptEvent(signedEvent(key, 4, { type: 'target.down', allocationId: 'alloc_a', deploymentId: 'dep_a', environmentId: 'env_a' })).kind, 'applied');
  assert.deepEqual(allocations(table, 'a.test'), []);
});

test('a document that does not verify, or whose carried seq differs from its signed one, is a gap', () => {
  const { state } = stateWith([], []);
  const forged = signedEvent(testSigningKey(), 2, { type: 'route.removed', hostname: 'a.test', environmentId: 'env_a' });
  assert.equal((state.acceptEvent(forged) as { incident: { kind: string } }).incident.kind, 'bad_signature');
  assert.equal((state.acceptEvent(signDocument('{"seq":2}', key)) as { incident: { kind: string } }).incident.kind, 'bad_document');
  const relabelled = state.acceptEvent(signedEvent(key, 3, { type: 'route.removed', hostname: 'a.test', environmentId: 'env_a' }), 2);
  assert.equal((relabelled as { incident: { kind: string } }).incident.kind, 'bad_document');
});

test('a snapshot older than what is applied is refused as stale; a refused snapshot changes nothing', () => {
  const { table, state } = stateWith([routeEntry('a.test', 'env_a', 'dep_a')], [], 5);
  const older = state.acceptSnapshot(signedSnapshot(key, 4, [routeEntry('b.test', 'env_b', 'dep_b')], []));
  assert.deepEqual([older.ok, !older.ok && older.stale], [false, true]);
  assert.equal(state.acceptSnapshot(signedSnapshot(testSigningKey(), 9, [routeEntry('b.test', 'env_b', 'dep_b')], [])).ok, false);
  assert.deepEqual([...table.routes()].map((route) => route.hostname), ['a.test']);
  assert.equal(state.appliedSeq, 5);
});

test('a route.policy event changes only the policy of its route, in its environment; a malformed one is a gap', () => {
  const { state } = stateWith([routeEntry('a.test', 'env_a', 'dep_a', 2)], [target('alloc_a', 'env_a', 'dep_a', 4001)]);
  const policy = { ...routeEntry('a.test', 'env_a', 'dep_a').policy, gapPolicy: 'keep_last_owner' as const };
  assert.equal(state.acceptEvent(signedEvent(key, 2, { type: 'route.policy', hostname: 'a.test', environmentId: 'env_other', epoch: 2, policy })).kind, 'applied');
  assert.deepEqual(state.enterGap(), ['a.test'], 'another environment\'s policy event changed nothing');

  const fresh = stateWith([routeEntry('a.test', 'env_a', 'dep_a', 2)], [target('alloc_a', 'env_a', 'dep_a', 4001)]);
  assert.equal(fresh.state.acceptEvent(signedEvent(key, 2, { type: 'route.policy', hostname: 'a.test', environmentId: 'env_a', epoch: 2, policy })).kind, 'applied');
  assert.deepEqual([fresh.table.lookup('a.test')?.deploymentId, fresh.table.lookup('a.test')?.epoch, allocations(fresh.table, 'a.test')], ['dep_a', 2, ['alloc_a']]);
  assert.deepEqual(fresh.state.enterGap(), [], 'keep_last_owner now: nothing fails closed');
  assert.equal(fresh.table.lookup('a.test')?.failedClosed, false);

  const other = stateWith([routeEntry('a.test', 'env_a', 'dep_a', 2)], []);
  const malformed = other.state.acceptEvent(signedEvent(key, 2, { type: 'route.policy', hostname: 'a.test', environmentId: 'env_a', epoch: 2, policy: null as never }));
  assert.equal((malformed as { incident: { kind: string } }).incident.kind, 'bad_document');
});
