import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { eventually } from '@berth/testkit';
import { startBackend } from '../test-support/backends.js';
import { send } from '../test-support/client.js';
import { startControlPlaneStandIn } from '../test-support/control-plane-stand-in.js';
import { reportedIncidents, startFeedEdge } from '../test-support/feed-edge.js';
import { routeEntry, signedEvent, signedSnapshot, targetEntry, testSigningKey } from '../test-support/feed-documents.js';

// The same gap over real NATS JetStream at 127.0.0.1:4222, on a stream of this test's own.
const natsUrl = 'nats://127.0.0.1:4222';
const open: { close(): Promise<void> }[] = [];
let nc: NatsConnection | undefined;
after(async () => {
  for (const thing of open.reverse()) await thing.close();
  await nc?.close();
});

test('over JetStream: a deleted message is a gap; fail_closed routes answer 503 while keep_last_owner routes serve, a forged snapshot is refused, then the edge resumes at snapshot seq + 1', async () => {
  const [f1, f2, g1, k1] = await Promise.all([startBackend('f1'), startBackend('f2'), startBackend('g1'), startBackend('k1')]);
  open.push(f1, f2, g1, k1);
  const suffix = randomBytes(4).toString('hex');
  const stream = `BERTH_TEST_EDGE_${suffix}`;
  const subject = `berth.test.${suffix}.route.events`;
  nc = await connect({ servers: natsUrl });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [subject] });
  open.push({ close: async () => void (await jsm.streams.delete(stream)) });
  const js = nc.jetstream();
  const key = testSigningKey();
  const publish = async (seq: number, event: Parameters<typeof signedEvent>[2]) => {
    const ack = await js.publish(subject, JSON.stringify(signedEvent(key, seq, event)));
    assert.equal(ack.seq, seq, 'the stream sequence is the route event sequence');
  };

  const routes = [routeEntry('f.test', 'env_f', 'dep_f'), routeEntry('k.test', 'env_k', 'dep_k', 1, { gapPolicy: 'keep_last_owner' })];
  const targets = [targetEntry(f1, 'env_f', 'dep_f'), targetEntry(k1, 'env_k', 'dep_k')];
  await publish(1, { type: 'target.up', target: targetEntry(f2, 'env_f', 'dep_f') });
  await publish(2, { type: 'target.down', allocationId: 'alloc_f1', deploymentId: 'dep_f', environmentId: 'env_f' });
  await publish(3, { type: 'route.owner', route: routeEntry('f.test', 'env_f', 'dep_g', 2), operationId: 'op_1' });
  await publish(4, { type: 'target.up', target: targetEntry(g1, 'env_f', 'dep_g') });
  // JetStream lost seq 3 (its default fsync is lazy): the edge sees 1, 2, then 4.
  assert.equal(await jsm.streams.deleteMessage(stream, 3), true);

  const cp = await startControlPlaneStandIn(key, signedSnapshot(key, 0, routes, targets));
  open.push(cp);
  let release!: () => void;
  cp.snapshotGate = new Promise((resolve) => (release = resolve));
  cp.gateFromFetch = 2;
  const edge = await startFeedEdge(cp, { transport: 'jetstream', natsUrl, natsStream: stream, natsSubject: subject });
  open.push(edge);

  await eventually(() => reportedIncidents(cp).some((incident) => incident.kind === 'gap'), { message: 'the gap is reported' });
  const incident = reportedIncidents(cp).find((i) => i.kind === 'gap')!;
  assert.deepEqual([incident.expectedSeq, incident.gotSeq, incident.affectedHostnames], [3, 4, ['f.test']]);
  assert.equal(edge.appliedSeq(), 2, 'seq 1 and 2 applied, nothing past the gap');
  const refused = await send(edge.port, { host: 'f.test' });
  assert.equal(refused.status, 503);
  assert.equal(refused.json<{ error: { code: string } }>().error.code, 'route_unverified');
  assert.equal((await send(edge.port, { host: 'k.test' })).headers['x-backend'], 'k1');
  assert.equal(g1.count(), 0, 'seq 4 was never applied over the gap');

  // The first snapshot the edge gets back is forged (another key): refused, nothing changes.
  const truth = [routeEntry('f.test', 'env_f', 'dep_g', 2), routes[1]!];
  const truthTargets = [targetEntry(k1, 'env_k', 'dep_k'), targetEntry(f2, 'env_f', 'dep_f'), targetEntry(g1, 'env_f', 'dep_g')];
  cp.snapshot = signedSnapshot(testSigningKey(), 4, truth, truthTargets);
  release();
  await eventually(() => reportedIncidents(cp).some((i) => i.kind === 'bad_signature'), { message: 'the forged snapshot is reported' });
  assert.equal(edge.appliedSeq(), 2);
  assert.equal((await send(edge.port, { host: 'f.test' })).status, 503);
  assert.equal((await send(edge.port, { host: 'k.test' })).headers['x-backend'], 'k1');
  // The control plane's real snapshot (the truth) covers seq 4.
  cp.snapshot = signedSnapshot(key, 4, truth, truthTargets);
  await eventually(() => edge.appliedSeq() === 4, { message: 'the fresh snapshot is applied' });
  assert.equal((await send(edge.port, { host: 'f.test' })).headers['x-backend'], 'g1');
  await publish(5, { type: 'target.down', allocationId: 'alloc_g1', deploymentId: 'dep_g', environmentId: 'env_f' });
  await eventually(() => edge.appliedSeq() === 5, { message: 'the edge resumed the stream at seq 5' });
  assert.equal((await send(edge.port, { host: 'f.test' })).status, 503, 'dep_g has nothing ready now, and dep_f never serves f.test again');
  assert.equal(f1.count() + f2.count(), 0);
  await edge.ready();
  await eventually(() => cp.reports.some((report) => report.appliedSeq === 5 && report.degradedReason === null));
});
