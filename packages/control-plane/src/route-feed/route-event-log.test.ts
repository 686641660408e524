import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assetManifestChecksum, systemClock, type AssetManifestChecksumEntry, type RouteEvent } from '@berth/core';
import { OperationEngine } from '../engine/operation-engine.js';
import { findOperation } from '../engine/operations-store.js';
import { readEnvironmentPolicy, setEnvironmentPolicy } from '../environments/environment-policy.js';
import { removeAppRouteOwners, swapRouteOwner } from '../routes/route-owners.js';
import { openTestDb, storeBackends, type TestDb } from '../testing/index.js';
import { leaveReady, makeReady, seedAllocation, seedApp, seedDeployment, seedHost } from './feed-fixtures.js';
import { lastRouteSeq, readRouteEvents } from './route-event-log.js';
import { targetEventsHook } from './target-events.js';

const byType = <T extends RouteEvent['type']>(events: RouteEvent[], type: T) => events.filter((e): e is Extract<RouteEvent, { type: T }> => e.type === type);

for (const { backend, skip } of await storeBackends()) {
  describe(`the route event log (${backend})`, { skip }, () => {
    let t: TestDb;
    let engine: OperationEngine;
    before(async () => {
      t = await openTestDb(backend);
      engine = new OperationEngine({ db: t.db, clock: systemClock });
      engine.onTransition(targetEventsHook);
    });
    after(async () => t?.dispose());

    test('a route-owner swap appends route.owner with the route entry and the policy of its deployment and environment', async () => {
      const app = await seedApp(t.db);
      const v1 = await seedDeployment(t.db, app);
      const assetsOnly = await seedDeployment(t.db, app, { manifest: { name: 'site', assets: { dir: 'dist', prefix: '/static/', immutable: false } }, assetManifest: [] });
      const start = await lastRouteSeq(t.db);
      const hostname = `${app.appId.toLowerCase()}.localhost`;
      const first = await t.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId: app.production, deploymentId: v1.id, digest: v1.digest, expectedEpoch: 0, operationId: 'op_first', now: new Date() }));
      await t.db.query(`UPDATE environments SET gap_policy = 'keep_last_owner' WHERE id = $1`, [app.production]);
      const second = await t.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId: app.production, deploymentId: assetsOnly.id, digest: assetsOnly.digest, expectedEpoch: 1, operationId: null, now: new Date() }));
      assert.deepEqual([first.seq, second.seq], [start + 1, start + 2]);

      const [a, b] = byType(await readRouteEvents(t.db, start, 10), 'route.owner');
      const [entries] = await t.db.query<{ asset_manifest: AssetManifestChecksumEntry[] }>('SELECT asset_manifest FROM deployments WHERE id = $1', [v1.id]);
      assert.deepEqual({ ...a!.route }, {
        hostname, appId: app.appId, environmentId: app.production, deploymentId: v1.id, digest: v1.digest, epoch: 1,
        policy: { environmentKind: 'production', gapPolicy: 'fail_closed', assets: { prefix: '/assets/', immutable: true, count: 1, checksum: assetManifestChecksum(entries!.asset_manifest) }, hasProcess: true,
          // The traffic policy the edge classifies requests by, compiled from the manifest (no rules: method-based classes).
          traffic: { format: 'berth.traffic-policy/1', assetsPrefix: '/assets/', routes: [], webhooks: [], live: null }, scale: null },
      });
      assert.equal(a!.operationId, 'op_first');
      assert.equal(a!.seq, start + 1);
      assert.ok(!Number.isNaN(Date.parse(a!.at)));
      assert.equal(b!.route.epoch, 2);
      assert.deepEqual(b!.route.policy, { environmentKind: 'production', gapPolicy: 'keep_last_owner', assets: { prefix: '/static/', immutable: false, count: 0, checksum: assetManifestChecksum([]) }, hasProcess: false });
      assert.equal(b!.operationId, null);
    });

    test('a changed gap policy appends route.policy for each route of the environment, in its transaction; the owners stay', async () => {
      const app = await seedApp(t.db);
      const dep = await seedDeployment(t.db, app);
      const hostnames = [`a-${app.appId.toLowerCase()}.localhost`, `b-${app.appId.toLowerCase()}.localhost`];
      for (const hostname of hostnames) {
        await t.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId: app.production, deploymentId: dep.id, digest: dep.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
      }
      const previewHost = `p-${app.appId.toLowerCase()}.localhost`;
      await t.db.transaction((tx) => swapRouteOwner(tx, { hostname: previewHost, environmentId: app.preview, deploymentId: dep.id, digest: dep.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
      const start = await lastRouteSeq(t.db);

      const seq = await setEnvironmentPolicy(t.db, app.production, { gapPolicy: 'keep_last_owner' }, new Date());
      assert.equal(seq, start + 2);
      const events = await readRouteEvents(t.db, start, 10);
      assert.deepEqual(events.map((e) => e.type), ['route.policy', 'route.policy'], 'one per route of the environment; the preview is not touched');
      const policies = byType(events, 'route.policy');
      assert.deepEqual(policies.map((e) => [e.hostname, e.environmentId, e.epoch, e.policy.gapPolicy]), hostnames.sort().map((h) => [h, app.production, 1, 'keep_last_owner']));
      const [owner] = byType(await readRouteEvents(t.db, 0, 10_000), 'route.owner').filter((e) => e.route.hostname === hostnames[0]);
      assert.deepEqual(policies[0]!.policy, { ...owner!.route.policy, gapPolicy: 'keep_last_owner' }, 'the whole policy, as a snapshot carries it');
      const [columns] = await t.db.query<{ deployment_id: string | null; epoch: number }>('SELECT deployment_id, epoch FROM route_events WHERE seq = $1', [start + 1]);
      assert.deepEqual([columns?.deployment_id, columns?.epoch], [null, 1], 'not an owner change: no deployment column');

      // The same policy again, or only approval: nothing for edges to learn.
      assert.equal(await setEnvironmentPolicy(t.db, app.production, { gapPolicy: 'keep_last_owner' }, new Date()), 0);
      assert.equal(await setEnvironmentPolicy(t.db, app.production, { requireApproval: true }, new Date()), 0);
      assert.equal(await lastRouteSeq(t.db), start + 2);
      assert.deepEqual(await readEnvironmentPolicy(t.db, app.production).then((p) => [p?.gapPolicy, p?.requireApproval]), ['keep_last_owner', true]);
    });

    test('an event appended before the log carried payloads is read as route.owner, even when its environment is gone', async () => {
      const app = await seedApp(t.db);
      const dep = await seedDeployment(t.db, app);
      const start = await lastRouteSeq(t.db);
      await t.db.query(
        `INSERT INTO route_events (seq, at, hostname, environment_id, deployment_id, digest, epoch, operation_id) VALUES ($1, now(), 'old.localhost', $2, $3, $4, 3, 'op_old'), ($5, now(), 'gone.localhost', 'env_gone', NULL, NULL, 1, NULL)`,
        [start + 1, app.production, dep.id, dep.digest, start + 2],
      );
      const [known, gone] = byType(await readRouteEvents(t.db, start, 10), 'route.owner');
      assert.deepEqual([known!.route.hostname, known!.route.appId, known!.route.epoch, known!.route.deploymentId, known!.operationId, known!.route.policy.hasProcess], ['old.localhost', app.appId, 3, dep.id, 'op_old', true]);
      assert.deepEqual([gone!.route.hostname, gone!.route.environmentId, gone!.route.policy.gapPolicy], ['gone.localhost', 'env_gone', 'fail_closed']);
    });

    test('a lost compare-and-swap appends nothing', async () => {
      const app = await seedApp(t.db);
      const v1 = await seedDeployment(t.db, app);
      const hostname = `lost-${app.appId.toLowerCase()}.localhost`;
      await t.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId: app.production, deploymentId: v1.id, digest: v1.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
      const before = await lastRouteSeq(t.db);
      await assert.rejects(t.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId: app.production, deploymentId: v1.id, digest: v1.digest, expectedEpoch: 7, operationId: null, now: new Date() })), { code: 'route_epoch_conflict' });
      assert.equal(await lastRouteSeq(t.db), before);
    });

    test('an allocation entering ready appends target.up with its address; leaving ready appends target.down', async () => {
      const app = await seedApp(t.db);
      const dep = await seedDeployment(t.db, app);
      const host = await seedHost(t.db);
      const drained = await seedAllocation(engine, app, dep, host);
      const lost = await seedAllocation(engine, app, dep, host);
      const neverReady = await seedAllocation(engine, app, dep, host);
      const start = await lastRouteSeq(t.db);
      await makeReady(engine, t.db, drained, { host: '127.0.0.1', port: 4101 });
      await makeReady(engine, t.db, lost, { host: '127.0.0.1', port: 4102 });
      await leaveReady(engine, t.db, drained.operationId, { to: 'draining' });
      await leaveReady(engine, t.db, lost.operationId, { failureMode: 'runner crash' });
      const op = await engine.applyRemote(neverReady.operationId, 1, { to: 'pulling', sentence: 'pulling' }, 'test');
      await engine.applyRemote(neverReady.operationId, op.version, { failureMode: 'OOM', sentence: 'killed' }, 'test');

      const events = await readRouteEvents(t.db, start, 100);
      assert.deepEqual(events.map((e) => e.seq), [start + 1, start + 2, start + 3, start + 4]);
      assert.deepEqual(events.map((e) => e.type), ['target.up', 'target.up', 'target.down', 'target.down']);
      assert.deepEqual(byType(events, 'target.up')[0]!.target, { allocationId: drained.allocationId, deploymentId: dep.id, environmentId: app.production, host: '127.0.0.1', port: 4101 });
      assert.deepEqual(byType(events, 'target.down').map((e) => ({ ...e, seq: 0, at: '' })), [
        { seq: 0, at: '', type: 'target.down', allocationId: drained.allocationId, deploymentId: dep.id, environmentId: app.production },
        { seq: 0, at: '', type: 'target.down', allocationId: lost.allocationId, deploymentId: dep.id, environmentId: app.production },
      ]);
    });

    test('a transition hook that throws rolls the transition back with it', async () => {
      const app = await seedApp(t.db);
      const dep = await seedDeployment(t.db, app);
      const allocation = await seedAllocation(engine, app, dep, await seedHost(t.db));
      const remove = engine.onTransition(async () => {
        throw new Error('hook refused');
      });
      try {
        await assert.rejects(engine.applyRemote(allocation.operationId, 1, { to: 'pulling', sentence: 'pulling' }, 'test'), /hook refused/);
      } finally {
        remove();
      }
      assert.equal((await findOperation(t.db, allocation.operationId))?.state, 'planned');
    });

    test('route changes and target changes appended concurrently get gap-free sequence numbers', async () => {
      const app = await seedApp(t.db);
      const dep = await seedDeployment(t.db, app);
      const host = await seedHost(t.db);
      const allocations = await Promise.all(Array.from({ length: 6 }, () => seedAllocation(engine, app, dep, host)));
      const start = await lastRouteSeq(t.db);
      await Promise.all([
        ...Array.from({ length: 12 }, (_, i) => t.db.transaction((tx) => swapRouteOwner(tx, { hostname: `h${i}-${app.appId.toLowerCase()}.localhost`, environmentId: app.production, deploymentId: dep.id, digest: dep.digest, expectedEpoch: 0, operationId: null, now: new Date() }))),
        ...allocations.map((a, i) => makeReady(engine, t.db, a, { host: '127.0.0.1', port: 5000 + i })),
      ]);
      const events = await readRouteEvents(t.db, start, 100);
      assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 18 }, (_, i) => start + 1 + i));
      assert.equal(byType(events, 'route.owner').length, 12);
      assert.equal(byType(events, 'target.up').length, 6);
    });

    test('deleting an app\'s route owners appends route.removed per hostname and target.down per target', async () => {
      const app = await seedApp(t.db);
      const dep = await seedDeployment(t.db, app);
      const allocation = await seedAllocation(engine, app, dep, await seedHost(t.db));
      await makeReady(engine, t.db, allocation, { host: '127.0.0.1', port: 4200 });
      for (const [hostname, environmentId] of [[`b-${app.appId.toLowerCase()}.localhost`, app.production], [`a-${app.appId.toLowerCase()}.localhost`, app.preview]] as const) {
        await t.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId, deploymentId: dep.id, digest: dep.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
      }
      const start = await lastRouteSeq(t.db);
      await t.db.transaction((tx) => removeAppRouteOwners(tx, app.appId, new Date()));
      const events = await readRouteEvents(t.db, start, 100);
      assert.deepEqual(events.map((e) => e.seq), [start + 1, start + 2, start + 3]);
      const removed = byType(events, 'route.removed').map((e) => e.hostname).sort();
      assert.deepEqual(removed, [`a-${app.appId.toLowerCase()}.localhost`, `b-${app.appId.toLowerCase()}.localhost`]);
      assert.deepEqual(byType(events, 'target.down').map((e) => e.allocationId), [allocation.allocationId]);
      assert.equal((await t.db.query('SELECT 1 FROM route_owners WHERE environment_id = ANY($1::text[])', [[app.production, app.preview]])).length, 0);
    });
  });
}
