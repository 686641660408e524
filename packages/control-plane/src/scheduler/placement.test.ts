import assert from 'node:assert/strict';
import { test } from 'node:test';
import { placeAllocation, type PlacementHost } from './placement.js';

const mib = 1024 * 1024;
const host = (id: string, over: Partial<PlacementHost> = {}): PlacementHost => ({ id, status: 'ready', connected: true, region: 'eu', labels: {}, memoryBytes: 1024 * mib, usedBytes: 0, sameEnvironment: 0, ...over });

test('never a cordoned, offline or disconnected host', () => {
  const r = placeAllocation([host('a', { status: 'cordoned' }), host('b', { status: 'offline' }), host('c', { connected: false })], { memoryBytes: mib });
  assert.equal(r.hostId, null);
  assert.match((r as { reason: string }).reason, /no host is ready/);
});

test('spreads an environment across hosts before filling one', () => {
  assert.equal(placeAllocation([host('a', { sameEnvironment: 1 }), host('b')], { memoryBytes: mib }).hostId, 'b');
});

test('prefers the host with the most free memory among equals', () => {
  assert.equal(placeAllocation([host('a', { usedBytes: 800 * mib }), host('b', { usedBytes: 100 * mib })], { memoryBytes: mib }).hostId, 'b');
});

test('only hosts with room for the allocation', () => {
  const r = placeAllocation([host('a', { usedBytes: 1000 * mib })], { memoryBytes: 512 * mib });
  assert.equal(r.hostId, null);
  assert.match((r as { reason: string }).reason, /512 MiB/);
});

test('region and labels filter', () => {
  const hosts = [host('a', { region: 'us' }), host('b', { labels: { gpu: 'yes' } }), host('c')];
  assert.equal(placeAllocation(hosts, { memoryBytes: mib, region: 'us' }).hostId, 'a');
  assert.equal(placeAllocation(hosts, { memoryBytes: mib, labels: { gpu: 'yes' } }).hostId, 'b');
  assert.equal(placeAllocation(hosts, { memoryBytes: mib, region: 'ap' }).hostId, null);
});

test('no host at all says no runner joined', () => {
  assert.match((placeAllocation([], { memoryBytes: mib }) as { reason: string }).reason, /no runner has joined/);
});
