import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { parseRoutePublicKey, systemClock, verifyEvent, type SignedDocument } from '@berth/core';
import { eventually } from '@berth/testkit';
import { swapRouteOwner } from '../routes/route-owners.js';
import { openTestDb, storeBackends, type TestDb } from '../testing/index.js';
import { seedApp, seedDeployment, type SeededApp, type SeededDeployment } from './feed-fixtures.js';
import { JetStreamPublisher } from './jetstream-publisher.js';
import { lastRouteSeq } from './route-event-log.js';
import { RouteFeed } from './route-feed.js';
import { routeSigningKey } from './route-signing-key.js';

const natsUrl = process.env.BERTH_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

for (const { backend, skip } of await storeBackends()) {
  describe(`the JetStream route publisher over real NATS (${backend})`, { skip }, () => {
    let t: TestDb;
    let feed: RouteFeed;
    let nc: NatsConnection;
    let jsm: JetStreamManager;
    let app: SeededApp;
    let dep: SeededDeployment;
    let counter = 0;
    const streams: string[] = [];
    const logs: string[] = [];
    const key = routeSigningKey(randomBytes(32));
    const { publicKey } = parseRoutePublicKey(key.publicKeyText);
    const unique = () => {
      const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
      const names = { stream: `BERTH_TEST_ROUTES_${id.toUpperCase()}`, subject: `berth.test.${id}.route.events` };
      streams.push(names.stream);
      return names;
    };
    const swap = async () => {
      const hostname = `js${counter++}-${app.appId.toLowerCase()}.localhost`;
      await t.db.transaction((tx) => swapRouteOwner(tx, { hostname, environmentId: app.production, deploymentId: dep.id, digest: dep.digest, expectedEpoch: 0, operationId: null, now: new Date() }));
      feed.poke();
    };
    /** Every message of the stream, checked: stream sequence N holds route event N, signed. */
    const readStream = async (stream: string) => {
      const info = await jsm.streams.info(stream);
      const seqs: number[] = [];
      for (let seq = 1; seq <= info.state.last_seq; seq++) {
        const message = await jsm.streams.getMessage(stream, { seq });
        const document = message.json<SignedDocument>();
        const verified = verifyEvent(document, publicKey);
        assert.ok(verified.ok, `message ${seq} verifies`);
        assert.equal(verified.event.seq, seq, 'the stream sequence is the route sequence');
        assert.equal(message.header.get('Nats-Msg-Id'), `route-${seq}`);
        seqs.push(seq);
      }
      return { seqs, messages: info.state.messages };
    };

    before(async () => {
      t = await openTestDb(backend);
      feed = new RouteFeed({ db: t.db, key, clock: systemClock, log: (line) => logs.push(line) });
      app = await seedApp(t.db);
      dep = await seedDeployment(t.db, app);
      for (let i = 0; i < 5; i++) await swap();
      await feed.start();
      nc = await connect({ servers: natsUrl });
      jsm = await nc.jetstreamManager();
    });
    after(async () => {
      for (const stream of streams) await jsm?.streams.delete(stream).catch(() => {});
      await nc?.close();
      await feed?.close();
      await t?.dispose();
    });

    test('publishes the backlog and live events with stream sequence equal to route sequence; a restart resumes without duplicates', async () => {
      const names = unique();
      const first = await JetStreamPublisher.start({ url: natsUrl, ...names, feed, log: (line) => logs.push(line) });
      for (let i = 0; i < 5; i++) await swap();
      let end = await lastRouteSeq(t.db);
      await eventually(() => first.publishedSeq === end, { timeoutMs: 20_000, message: 'the publisher caught up' });
      await first.close();

      for (let i = 0; i < 4; i++) await swap();
      end = await lastRouteSeq(t.db);
      const second = await JetStreamPublisher.start({ url: natsUrl, ...names, feed, log: (line) => logs.push(line) });
      try {
        await eventually(() => second.publishedSeq === end, { timeoutMs: 20_000, message: 'the restarted publisher caught up' });
        const { seqs, messages } = await readStream(names.stream);
        assert.deepEqual(seqs, Array.from({ length: end }, (_, i) => i + 1));
        assert.equal(messages, end, 'no duplicates');
        assert.equal(second.state, 'publishing');
      } finally {
        await second.close();
      }
    });

    test('two publishers on one stream (two control-plane replicas) still give one message per route event', async () => {
      const names = unique();
      const a = await JetStreamPublisher.start({ url: natsUrl, ...names, feed, log: (line) => logs.push(line) });
      const b = await JetStreamPublisher.start({ url: natsUrl, ...names, feed, log: (line) => logs.push(line) });
      try {
        for (let i = 0; i < 6; i++) await swap();
        const end = await lastRouteSeq(t.db);
        await eventually(() => a.publishedSeq === end && b.publishedSeq === end, { timeoutMs: 20_000, message: 'both publishers caught up' });
        const { seqs, messages } = await readStream(names.stream);
        assert.deepEqual(seqs, Array.from({ length: end }, (_, i) => i + 1));
        assert.equal(messages, end);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('a stream holding a different event than the store stops the publisher with a clear log line', async () => {
      const names = unique();
      await jsm.streams.add({ name: names.stream, subjects: [names.subject] });
      const js = nc.jetstream();
      await js.publish(names.subject, JSON.stringify({ body: '{"seq":1,"type":"route.removed"}', signature: 'x', keyId: 'y' }));
      const publisher = await JetStreamPublisher.start({ url: natsUrl, ...names, feed, log: (line) => logs.push(line) });
      try {
        assert.equal(publisher.state, 'inconsistent');
        assert.ok(logs.some((line) => line.includes(names.stream) && /different event at sequence 1/.test(line)));
        await swap();
        await feed.refresh();
        assert.equal((await jsm.streams.info(names.stream)).state.messages, 1, 'nothing was published over it');
      } finally {
        await publisher.close();
      }
    });

    test('a stream ahead of the store is reported, and publishing waits for the store', async () => {
      const names = unique();
      await jsm.streams.add({ name: names.stream, subjects: [names.subject] });
      const js = nc.jetstream();
      const end = await lastRouteSeq(t.db);
      for (let seq = 1; seq <= end + 2; seq++) await js.publish(names.subject, JSON.stringify({ body: `{"seq":${seq}}`, signature: 'x', keyId: 'y' }));
      const publisher = await JetStreamPublisher.start({ url: natsUrl, ...names, feed, log: (line) => logs.push(line) });
      try {
        assert.ok(logs.some((line) => line.includes(names.stream) && /ahead of the store/.test(line)));
        assert.equal(publisher.publishedSeq, end + 2);
      } finally {
        await publisher.close();
      }
    });

    test('an unreachable NATS server is refused with nats_unavailable', async () => {
      await assert.rejects(JetStreamPublisher.start({ url: 'nats://127.0.0.1:1', feed, log: () => {} }), { code: 'nats_unavailable' });
    });
  });
}
