import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteTable, normalizeHostname, type Route } from './route-table.js';

const target = (allocationId: string, port = 8080) => ({ allocationId, host: '127.0.0.1', port });
const route = (hostname: string, deploymentId: string, epoch = 1, targets = [target(`alloc_${deploymentId}`)]): Route =>
  ({ hostname, epoch, deploymentId, environmentId: 'env_1', targets });

test('a Host header names its route in any case, with or without a port or a trailing dot', () => {
  assert.equal(normalizeHostname('App.Example.COM:8443'), 'app.example.com');
  assert.equal(normalizeHostname('app.example.com.'), 'app.example.com');
  assert.equal(normalizeHostname('[::1]:8080'), '[::1]');
  assert.equal(normalizeHostname('plain'), 'plain');
  const table = new RouteTable();
  table.replace([route('App.Example.com', 'dep_a')]);
  assert.equal(table.lookup('app.example.com:80')?.deploymentId, 'dep_a');
  assert.equal(table.lookup('APP.EXAMPLE.COM')?.deploymentId, 'dep_a');
  assert.equal(table.lookup('other.example.com'), undefined);
  assert.equal(table.lookup(undefined), undefined);
});

test('replace swaps the whole table: hostnames absent from the snapshot are gone', () => {
  const table = new RouteTable();
  table.replace([route('a.test', 'dep_a'), route('b.test', 'dep_b')]);
  const before = table.lookup('a.test');
  table.replace([route('a.test', 'dep_a2', 2), route('c.test', 'dep_c')]);
  assert.equal(table.lookup('a.test')?.deploymentId, 'dep_a2');
  assert.equal(table.lookup('b.test'), undefined);
  assert.equal(table.lookup('c.test')?.deploymentId, 'dep_c');
  // A request that looked up the old route keeps a consistent, unchanged view of it.
  assert.equal(before?.deploymentId, 'dep_a');
  assert.throws(() => table.replace([route('x.test', 'dep_1'), route('X.test', 'dep_2')]), /appears twice/);
  assert.equal(table.lookup('a.test')?.deploymentId, 'dep_a2', 'a refused snapshot leaves the table as it was');
});

test('update refuses an older epoch and accepts the same epoch with new targets', () => {
  const table = new RouteTable();
  assert.equal(table.update(route('a.test', 'dep_a', 3)), true);
  assert.equal(table.update(route('a.test', 'dep_old', 2)), false);
  assert.equal(table.lookup('a.test')?.deploymentId, 'dep_a');
  assert.equal(table.update(route('a.test', 'dep_a', 3, [target('alloc_1'), target('alloc_2', 8081)])), true);
  assert.deepEqual(table.lookup('a.test')?.targets.map((t) => t.allocationId), ['alloc_1', 'alloc_2']);
  assert.equal(table.remove('A.test'), true);
  assert.equal(table.lookup('a.test'), undefined);
  assert.equal(table.remove('a.test'), false);
});

test('routes are private frozen copies, and a route may have no targets', () => {
  const table = new RouteTable();
  const targets = [target('alloc_1')];
  table.update(route('a.test', 'dep_a', 1, targets));
  targets.push(target('alloc_intruder'));
  const held = table.lookup('a.test')!;
  assert.equal(held.targets.length, 1);
  assert.throws(() => (held.targets as unknown as unknown[]).push(target('x')));
  table.update(route('empty.test', 'dep_e', 1, []));
  assert.deepEqual(table.lookup('empty.test')?.targets, []);
  assert.throws(() => table.update(route('bad.test', 'dep_b', 1, [target('alloc_1', 70_000)])), /invalid port/);
});

test('listeners hear every change, and every target of every route, and only those, is a target', () => {
  const table = new RouteTable();
  let changes = 0;
  const stop = table.onChange(() => (changes += 1));
  table.replace([route('a.test', 'dep_a'), route('b.test', 'dep_b')]);
  table.update(route('c.test', 'dep_c'));
  table.remove('c.test');
  table.remove('missing.test');
  assert.equal(changes, 3);
  assert.deepEqual(['alloc_dep_a', 'alloc_dep_b', 'alloc_dep_c'].map((id) => table.isTarget(id)), [true, true, false]);
  stop();
  table.remove('a.test');
  assert.equal(changes, 3);
});

test('the table keeps which allocations are ready as routes change, and which became ready since it was last asked', () => {
  const table = new RouteTable();
  table.replace([route('a.test', 'dep_a'), route('b.test', 'dep_b', 1, [target('alloc_shared')]), route('c.test', 'dep_c', 1, [target('alloc_shared')])]);
  assert.deepEqual(table.takeNewlyReady(), [], 'a whole snapshot is not news');
  assert.equal(table.isReadyAllocation('alloc_shared'), true);

  // One of two routes naming an allocation moves off it: still named, still ready.
  table.update(route('b.test', 'dep_b2', 2, [target('alloc_b2')]));
  assert.deepEqual(table.takeNewlyReady().map((t) => t.allocationId), ['alloc_b2']);
  assert.deepEqual(table.takeNewlyReady(), [], 'each only once');
  assert.equal(table.isReadyAllocation('alloc_shared'), true);
  table.remove('c.test');
  assert.equal(table.isReadyAllocation('alloc_shared'), false, 'named by no route and not announced: not ready');
  assert.deepEqual(['alloc_b2', 'alloc_dep_a', 'alloc_shared', 'alloc_dep_b'].map((id) => table.isTarget(id)), [true, true, false, false]);

  // Announced by the feed before any route names it (a promotion's new allocation).
  table.addReadyTarget(target('alloc_next'));
  table.addReadyTarget(target('alloc_next'));
  assert.deepEqual(table.takeNewlyReady().map((t) => t.allocationId), ['alloc_next']);
  assert.equal(table.isReadyAllocation('alloc_next'), true);
  assert.equal(table.isTarget('alloc_next'), false, 'announced is not routed to');
  table.update(route('a.test', 'dep_next', 2, [target('alloc_next')]));
  assert.deepEqual(table.takeNewlyReady(), [], 'already ready when the route named it');
  assert.equal(table.isReadyAllocation('alloc_dep_a'), false);
  table.removeReadyTarget('alloc_next');
  assert.equal(table.isReadyAllocation('alloc_next'), true, 'still a route\'s target');

  // An update with an older epoch changes nothing.
  assert.equal(table.update(route('a.test', 'dep_old', 1, [target('alloc_old')])), false);
  assert.equal(table.isReadyAllocation('alloc_old'), false);
});
