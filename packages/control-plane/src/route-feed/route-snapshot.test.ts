import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { parseRoutePublicKey, routeSnapshotChecksum, systemClock, verifySnapshot, type RouteEntry, type RouteEvent, type RouteSnapshotBody, type TargetEntry } from '@berth/core';
import { OperationEngine } from '../engine/operation-engine.js';
import { setEnvironmentPolicy } from '../environments/environment-policy.js';
import { swapRouteOwner } from '../routes/route-owners.js';
import { openTestDb, storeBackends, type TestDb } from '../testing/index.js';
import { leaveReady, makeReady, seedAllocation, seedApp, seedDeployment, seedHost } from './feed-fixtures.js';
import { lastRouteSeq, readRouteEvents } from './route-event-log.js';
import { buildRouteSnapshot } from './route-snapshot.js';
import { routeSigningKey } from './route-signing-key.js';
import { targetEventsHook } from './target-events.js';

/** What an edge holds after applying every event up to `seq` from nothing. */
function replay(events: RouteEvent[], seq: number): { routes: RouteEntry[]; targets: TargetEntry[] } {
  const routes = new Map<string, RouteEntry>();
  const targets = new Map<string, TargetEntry>();
  for (const event of events.filter((e) => e.seq <= seq)) {
    if (event.type === 'route.owner') routes.set(event.route.hostname, event.route);
    if (event.type === 'route.policy' && routes.get(event.hostname)?.epoch === event.epoch) routes.set(event.hostname, { ...routes.get(event.hostname)!, policy: event.policy });
    if (event.type === 'route.removed') routes.delete(event.hostname);
    if (event.type === 'target.up') targets.set(event.target.allocationId, event.target);
    if (event.type === 'target.down') targets.delete(event.allocationId);
  }
  return {
    routes: [...routes.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : 1)),
    targets: [...targets.values()].sort((a, b) => (a.allocationId < b.allocationId ? -1 : 1)),
  };
}

for (const { backend, skip } of await storeBackends()) {
  describe(`the signed route snapshot (${backend})`, { skip }, () => {
    let t: TestDb;
    let engine: OperationEngine;
    const masterKey = randomBytes(32);
    const key = routeSigningKey(masterKey);
    const { publicKey } = parseRoutePublicKey(key.publicKeyText);
    before(async () => {
      t = await openTestDb(backend);
      engine = new OperationEngine({ db: t.db, clock: systemClock });
      engine.onTransition(targetEventsHook);
    });
    after(async () => t?.dispose());

    test('every replica sharing the master key signs with the same key', () => {
      assert.equal(routeSigningKey(Buffer.from(masterKey)).publicKeyText, key.publicKeyText);
      assert.notEqual(routeSigningKey(randomBytes(32)).publicKeyText, key.publicKeyText);
    });

    test('a snapshot verifies with the public key and covers the routes and ready targets as of the last event', async () => {
      const app = await seedApp(t.db);
      const dep = await seedDeployment(t.db, app);
      const host = await seedHost(t.db);
      const ready = await seedAllocation(engine, app, dep, host);
      const drained = await seedAllocation(engine, app, dep, host);
      await seedAllocation(engine, app, dep, host); // planned only: never a target
      await makeReady(engine, t.db, ready, { host: '127.0.0.1', port: 4301 });
      await makeReady(engine, t.db, drained, { host: '127.0.0.1', port: 4302 });
      await leaveReady(engine, t.db, drained.operationId, { to: 'draining' });
      const hostname = `snap-${app.appId.toLowerCase()}.localhost`;
      await t.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId: app.production, deploymentId: dep.id, digest: dep.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
      // A gap policy changed after the swap: the snapshot has it, and so does the log replayed.
      await setEnvironmentPolicy(t.db, app.production, { gapPolicy: 'keep_last_owner' }, new Date());

      const document = await buildRouteSnapshot(t.db, key, new Date('2030-01-01T00:00:00Z'));
      const verified = verifySnapshot(document, publicKey);
      assert.ok(verified.ok, JSON.stringify(verified));
      const body: RouteSnapshotBody = verified.snapshot;
      assert.equal(body.seq, await lastRouteSeq(t.db));
      assert.equal(body.issuedAt, '2030-01-01T00:00:00.000Z');
      assert.equal(body.checksum, routeSnapshotChecksum(body.seq, body.routes, body.targets));
      assert.equal(document.keyId, key.keyId);
      const events = await readRouteEvents(t.db, 0, 1000);
      const route = events.find((e): e is Extract<RouteEvent, { type: 'route.owner' }> => e.type === 'route.owner' && e.route.hostname === hostname)!.route;
      assert.deepEqual(body.routes.find((r) => r.hostname === hostname), { ...route, policy: { ...route.policy, gapPolicy: 'keep_last_owner' } });
      assert.deepEqual(body.targets.filter((x) => x.deploymentId === dep.id), [{ allocationId: ready.allocationId, deploymentId: dep.id, environmentId: app.production, host: '127.0.0.1', port: 4301 }]);
      assert.deepEqual({ routes: body.routes, targets: body.targets }, replay(events, body.seq));
    });

    test('a snapshot taken while events are appended reflects every event up to its seq and none after', async () => {
      const app = await seedApp(t.db);
      const dep = await seedDeployment(t.db, app);
      const host = await seedHost(t.db);
      const allocations = await Promise.all(Array.from({ length: 8 }, () => seedAllocation(engine, app, dep, host)));
      let writing = true;
      const writer = (async () => {
        for (let i = 0; i < 40; i++) {
          const hostname = `c${i}-${app.appId.toLowerCase()}.localhost`;
          await t.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId: app.production, deploymentId: dep.id, digest: dep.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
          const allocation = allocations[i % allocations.length]!;
          if (i < allocations.length) await makeReady(engine, t.db, allocation, { host: '127.0.0.1', port: 6000 + i });
          else if (i < allocations.length * 2) await leaveReady(engine, t.db, allocation.operationId, { to: 'draining' });
        }
        writing = false;
      })();
      const snapshots: RouteSnapshotBody[] = [];
      while (writing) {
        const verified = verifySnapshot(await buildRouteSnapshot(t.db, key, new Date()), publicKey);
        assert.ok(verified.ok);
        snapshots.push(verified.snapshot);
      }
      await writer;
      const events = await readRouteEvents(t.db, 0, 10_000);
      assert.ok(snapshots.length >= 2, `took ${snapshots.length} snapshots during the writes`);
      for (const snapshot of snapshots) {
        assert.deepEqual({ routes: snapshot.routes, targets: snapshot.targets }, replay(events, snapshot.seq), `snapshot at seq ${snapshot.seq} matches the log replayed to it`);
      }
    });
  });
}
