import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { parseRoutePublicKey, systemClock, verifyEvent, verifySnapshot, type SignedDocument } from '@berth/core';
import { eventually } from '@berth/testkit';
import { OperationEngine } from '../engine/operation-engine.js';
import { swapRouteOwner } from '../routes/route-owners.js';
import { openTestDb, storeBackends, type TestDb } from '../testing/index.js';
import { attachRouteFeed } from './attach-route-feed.js';
import { makeReady, seedAllocation, seedApp, seedDeployment, seedHost, type SeededApp, type SeededDeployment } from './feed-fixtures.js';
import { lastRouteSeq } from './route-event-log.js';
import { RouteFeed } from './route-feed.js';
import { routeSigningKey } from './route-signing-key.js';

function collector() {
  const seqs: number[] = [];
  const documents: SignedDocument[] = [];
  return { seqs, documents, listener: (document: SignedDocument, seq: number) => {
    seqs.push(seq);
    documents.push(document);
  } };
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

for (const { backend, skip } of await storeBackends()) {
  describe(`the embedded route feed (${backend})`, { skip }, () => {
    let t: TestDb;
    let engine: OperationEngine;
    let feed: RouteFeed;
    let app: SeededApp;
    let dep: SeededDeployment;
    let counter = 0;
    const key = routeSigningKey(randomBytes(32));
    const { publicKey } = parseRoutePublicKey(key.publicKeyText);
    const logs: string[] = [];
    const swap = async () => {
      const hostname = `f${counter++}-${app.appId.toLowerCase()}.localhost`;
      await t.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId: app.production, deploymentId: dep.id, digest: dep.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
      feed.poke();
    };

    before(async () => {
      t = await openTestDb(backend);
      engine = new OperationEngine({ db: t.db, clock: systemClock });
      // A small cache, so that a subscriber far behind is caught up from the store.
      feed = new RouteFeed({ db: t.db, key, clock: systemClock, log: (line) => logs.push(line), cacheSize: 8, pollMs: 50 });
      attachRouteFeed(engine, feed);
      app = await seedApp(t.db);
      dep = await seedDeployment(t.db, app);
      for (let i = 0; i < 30; i++) await swap();
      await feed.start();
    });
    after(async () => {
      await feed?.close();
      await t?.dispose();
    });

    test('a subscriber gets the backlog after its sequence, then live events, in order, once each, signed', async () => {
      const head = await lastRouteSeq(t.db);
      assert.equal(feed.lastSeq, head);
      const fromStart = collector();
      const fromMiddle = collector();
      const offStart = feed.subscribe(0, fromStart.listener);
      const offMiddle = feed.subscribe(head - 5, fromMiddle.listener);
      // Live events while both are still catching up, from route swaps and from allocation readiness.
      const host = await seedHost(t.db);
      const allocations = await Promise.all([0, 1, 2].map(() => seedAllocation(engine, app, dep, host)));
      await Promise.all([...range(1, 20).map(() => swap()), ...allocations.map((a, i) => makeReady(engine, t.db, a, { host: '127.0.0.1', port: 7000 + i }))]);
      const end = await lastRouteSeq(t.db);
      assert.equal(end, head + 23);
      await eventually(() => fromStart.seqs.length >= end && fromMiddle.seqs.length >= end - head + 5, { timeoutMs: 20_000, message: 'both subscribers reached the end' });
      assert.deepEqual(fromStart.seqs, range(1, end));
      assert.deepEqual(fromMiddle.seqs, range(head - 4, end));
      for (const [i, document] of fromStart.documents.entries()) {
        const verified = verifyEvent(document, publicKey);
        assert.ok(verified.ok);
        assert.equal(verified.event.seq, i + 1);
      }
      const ups = fromStart.documents.map((d) => JSON.parse(d.body) as { type: string }).filter((e) => e.type === 'target.up');
      assert.equal(ups.length, 3, 'allocation readiness reached the feed through the engine hook');
      // Nothing more arrives after unsubscribing, and nothing was delivered twice meanwhile.
      offStart();
      offMiddle();
      await swap();
      await feed.refresh();
      assert.equal(fromStart.seqs.length, end);
      assert.deepEqual(logs.filter((l) => /failed|jumps/.test(l)), []);
    });

    test('a subscriber that names a sequence ahead of this feed starts after it', async () => {
      const head = await feed.refresh();
      const ahead = collector();
      const off = feed.subscribe(head + 2, ahead.listener);
      for (let i = 0; i < 4; i++) await swap();
      await eventually(() => ahead.seqs.length >= 2, { timeoutMs: 10_000 });
      await feed.refresh();
      off();
      assert.deepEqual(ahead.seqs, [head + 3, head + 4]);
    });

    test('events another writer appends reach subscribers through the poll, without a poke', async () => {
      const head = await feed.refresh();
      const live = collector();
      const off = feed.subscribe(head, live.listener);
      const hostname = `poll-${app.appId.toLowerCase()}.localhost`;
      await t.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId: app.production, deploymentId: dep.id, digest: dep.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
      await eventually(() => live.seqs.length === 1, { timeoutMs: 10_000, message: 'the poll delivered the event' });
      off();
      assert.deepEqual(live.seqs, [head + 1]);
    });

    test('eventsAfter serves signed events from the cache and from the store alike', async () => {
      const head = await feed.refresh();
      const early = await feed.eventsAfter(0, 3);
      const late = await feed.eventsAfter(head - 2, 10);
      assert.deepEqual(early.map((e) => e.seq), [1, 2, 3]);
      assert.deepEqual(late.map((e) => e.seq), [head - 1, head]);
      for (const e of [...early, ...late]) assert.ok(verifyEvent(e.document, publicKey).ok);
      const snapshot = verifySnapshot(await feed.snapshot(), publicKey);
      assert.ok(snapshot.ok);
      assert.equal(snapshot.snapshot.seq, head);
    });
  });
}
