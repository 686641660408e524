import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '@berth/testkit';
import { RouteTable, type Route, type Target } from '../route-table.js';
import { ReleaseQueue, type QueuedHold, type ReleaseSlot } from './release-queue.js';

const target = (n: number): Target => ({ allocationId: `alloc_${n}`, host: '127.0.0.1', port: 40_000 + n });
const hotRoute = (targets: number): Route => ({
  hostname: 'woken.test', epoch: 1, deploymentId: 'dep_w', environmentId: 'env_w',
  targets: Array.from({ length: targets }, (_, i) => target(i + 1)),
});

/** A hold that records its release and keeps its slot until the test frees it. */
function hold(paced = true): QueuedHold & { released: Route | undefined | null; slot: ReleaseSlot | undefined; cancelled: boolean } {
  const entry = {
    released: null as Route | undefined | null,
    slot: undefined as ReleaseSlot | undefined,
    cancelled: false,
    hold: {
      environmentId: 'env_w', hostname: 'woken.test', bytes: 0, paced,
      release(route: Route | undefined, slot?: ReleaseSlot) {
        entry.released = route;
        entry.slot = slot;
      },
      expire() {
        throw new Error('a released hold never expires');
      },
    },
  };
  return entry;
}

const releasedCount = (holds: ReturnType<typeof hold>[]) => holds.filter((h) => h.released !== null).length;

test('held requests go to a woken route a window at a time, the next as each one ends, in arrival order', () => {
  const table = new RouteTable();
  table.replace([hotRoute(1)]);
  const queue = new ReleaseQueue({ table, windowPerTarget: 3, slotMs: 60_000 });
  const holds = Array.from({ length: 8 }, () => hold());
  queue.enqueue('woken.test', holds);
  assert.equal(releasedCount(holds), 3, 'the window is 3 for one ready target');
  assert.equal(queue.waiting, 5);
  assert.equal(holds[0]!.released?.deploymentId, 'dep_w', 'a released hold gets the route as it is now');
  holds[1]!.slot!.free();
  holds[1]!.slot!.free();
  assert.equal(releasedCount(holds), 4, 'one freed slot (freed twice) lets exactly one more go');
  assert.notEqual(holds[3]!.released, null, 'the next in arrival order');
  holds[3]!.slot!.free();
  holds[0]!.slot!.free();
  holds[2]!.slot!.free();
  holds[4]!.slot!.free();
  assert.equal(releasedCount(holds), 8);
  assert.equal(queue.waiting, 0);
});

test('a hold whose client left while it waited is skipped; holds that are not paced (upgrades) go at once', () => {
  const table = new RouteTable();
  table.replace([hotRoute(1)]);
  const queue = new ReleaseQueue({ table, windowPerTarget: 1, slotMs: 60_000 });
  const [first, gone, third] = [hold(), hold(), hold()];
  const upgrade = hold(false);
  queue.enqueue('woken.test', [first!, gone!, third!, upgrade]);
  assert.notEqual(upgrade.released, null, 'the upgrade was not paced');
  assert.equal(upgrade.slot, undefined);
  gone!.cancelled = true;
  first!.slot!.free();
  assert.equal(gone!.released, null, 'the cancelled hold was never released');
  assert.notEqual(third!.released, null);
});

test('the window grows with the route\'s ready targets', () => {
  const table = new RouteTable();
  table.replace([hotRoute(3)]);
  const queue = new ReleaseQueue({ table, windowPerTarget: 2, slotMs: 60_000 });
  const holds = Array.from({ length: 10 }, () => hold());
  queue.enqueue('woken.test', holds);
  assert.equal(releasedCount(holds), 6);
});

test('a request whose answer is long-lived gives its place up after slotMs, so a stream never blocks the burst', async () => {
  const table = new RouteTable();
  table.replace([hotRoute(1)]);
  const queue = new ReleaseQueue({ table, windowPerTarget: 1, slotMs: 30 });
  const holds = Array.from({ length: 3 }, () => hold());
  queue.enqueue('woken.test', holds);
  assert.equal(releasedCount(holds), 1);
  await eventually(() => releasedCount(holds) === 3, { timeoutMs: 5_000, message: 'the others went after the slot timed out' });
});

test('flush lets every waiting hold go at once (the edge is closing)', () => {
  const table = new RouteTable();
  table.replace([hotRoute(1)]);
  const queue = new ReleaseQueue({ table, windowPerTarget: 1, slotMs: 60_000 });
  const holds = Array.from({ length: 4 }, () => hold());
  queue.enqueue('woken.test', holds);
  queue.flush();
  assert.equal(releasedCount(holds), 4);
  assert.equal(queue.waiting, 0);
});
