import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { startBackend, type Backend } from '../test-support/backends.js';
import { send } from '../test-support/client.js';
import { startControlPlaneStandIn, type ControlPlaneStandIn } from '../test-support/control-plane-stand-in.js';
import { startFeedEdge, reportedIncidents, type FeedEdge } from '../test-support/feed-edge.js';
import { routeEntry, signedEvent, signedSnapshot, snapshotWithBadChecksum, targetEntry, testSigningKey } from '../test-support/feed-documents.js';

// The edge follows the embedded feed (the control plane's server-sent event stream) of a stand-in
// control plane. Each test asserts what the edge does: which backend answers a hostname, what it
// refuses, what it reports.
let a1: Backend, a2: Backend, b1: Backend, k1: Backend, evil: Backend;
const open: { close(): Promise<void> }[] = [];

// Fresh backends for every test, so each counts only its own test's requests.
beforeEach(async () => {
  [a1, a2, b1, k1, evil] = await Promise.all([startBackend('a1'), startBackend('a2'), startBackend('b1'), startBackend('k1'), startBackend('evil')]);
  open.push(a1, a2, b1, k1, evil);
});
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function setUp(snapshotOf: (key: ReturnType<typeof testSigningKey>) => Parameters<typeof startControlPlaneStandIn>[1], options: { tokenLifetimeMs?: number } = {}): Promise<{ cp: ControlPlaneStandIn; key: ReturnType<typeof testSigningKey> }> {
  const key = testSigningKey();
  const cp = await startControlPlaneStandIn(key, snapshotOf(key), options);
  open.push(cp);
  return { cp, key };
}

async function edgeFor(cp: ControlPlaneStandIn, config: Parameters<typeof startFeedEdge>[1] = {}): Promise<FeedEdge> {
  const edge = await startFeedEdge(cp, config);
  open.push(edge);
  return edge;
}

const who = async (edge: FeedEdge, host: string) => {
  const reply = await send(edge.port, { host });
  return reply.status === 200 ? (reply.json().backend as string) : `${reply.status} ${reply.json<{ error: { code: string } }>().error.code}`;
};

test('a verified snapshot, then events in order, route each hostname to its owner\'s ready allocations; the edge reports what it applied', async () => {
  const { cp, key } = await setUp((k) => signedSnapshot(k, 1, [routeEntry('a.test', 'env_a', 'dep_a')], [targetEntry(a1, 'env_a', 'dep_a')]), { tokenLifetimeMs: 1_200 });
  let release!: () => void;
  cp.snapshotGate = new Promise((resolve) => (release = resolve));
  const edge = await edgeFor(cp);
  // Listening before the first snapshot: it does not know the host yet, and says so.
  assert.equal(await who(edge, 'a.test'), '503 edge_not_synced');
  release();
  cp.snapshotGate = undefined;
  await edge.ready();
  assert.equal(await who(edge, 'a.test'), 'a1');

  cp.append(2, signedEvent(key, 2, { type: 'target.up', target: targetEntry(a2, 'env_a', 'dep_a') }));
  await eventually(async () => (await who(edge, 'a.test')) === 'a2', { message: 'the second allocation serves' });
  // The owner moves to dep_b; its allocation becomes ready after the move.
  cp.append(3, signedEvent(key, 3, { type: 'route.owner', route: routeEntry('a.test', 'env_a', 'dep_b', 2), operationId: 'op_1' }));
  await eventually(async () => (await who(edge, 'a.test')) === '503 no_ready_target', { message: 'dep_b has nothing ready yet, and dep_a never serves it again' });
  cp.append(4, signedEvent(key, 4, { type: 'target.up', target: targetEntry(b1, 'env_a', 'dep_b') }));
  await eventually(async () => (await who(edge, 'a.test')) === 'b1');
  const before = [a1.count(), a2.count()];
  for (let i = 0; i < 6; i++) assert.equal(await who(edge, 'a.test'), 'b1');
  assert.deepEqual([a1.count(), a2.count()], before, 'the old owner\'s allocations get nothing');

  cp.append(5, signedEvent(key, 5, { type: 'route.owner', route: routeEntry('a.test', 'env_a', 'dep_a', 1), operationId: 'op_late' }));
  cp.append(6, signedEvent(key, 6, { type: 'route.removed', hostname: 'a.test', environmentId: 'env_a' }));
  await eventually(async () => (await who(edge, 'a.test')) === '404 host_not_found', { message: 'a removed route answers 404' });
  assert.deepEqual([a1.count(), a2.count()], before, 'an event with an older epoch (seq 5) never moved the route back');

  await eventually(() => cp.reports.some((report) => report.appliedSeq === 6 && report.degradedReason === null), { message: `the edge reports seq 6 applied: ${JSON.stringify(cp.reports.slice(-2))} ${edge.lines.join('\n')}` });
  await eventually(() => cp.refreshes > 0, { message: 'the edge token is refreshed before it expires' });
  assert.equal(cp.registrations.length, 1, 'a refresh, not a new registration');
  assert.deepEqual(reportedIncidents(cp), []);
});

test('a hole in the event stream: fail_closed routes answer 503, keep_last_owner routes keep their owner, and the edge refetches, reports and resumes', async () => {
  const routes = [routeEntry('f.test', 'env_f', 'dep_f'), routeEntry('k.test', 'env_k', 'dep_k', 1, { gapPolicy: 'keep_last_owner' })];
  const targets = [targetEntry(a1, 'env_f', 'dep_f'), targetEntry(k1, 'env_k', 'dep_k')];
  const { cp, key } = await setUp((k) => signedSnapshot(k, 1, routes, targets));
  const edge = await edgeFor(cp);
  await edge.ready();
  cp.append(2, signedEvent(key, 2, { type: 'target.up', target: targetEntry(a2, 'env_f', 'dep_f') }));
  await eventually(() => edge.appliedSeq() === 2);

  // The truth after seq 4: f.test moved to dep_g (b1). Seq 3 never reaches the edge.
  let release!: () => void;
  cp.snapshotGate = new Promise((resolve) => (release = resolve));
  cp.snapshot = signedSnapshot(key, 4, [routeEntry('f.test', 'env_f', 'dep_g', 2), routes[1]!], [...targets, targetEntry(a2, 'env_f', 'dep_f'), targetEntry(b1, 'env_f', 'dep_g')]);
  cp.append(4, signedEvent(key, 4, { type: 'route.owner', route: routeEntry('f.test', 'env_f', 'dep_g', 2), operationId: 'op_2' }));

  await eventually(async () => (await who(edge, 'f.test')) === '503 route_unverified', { message: 'f.test fails closed' });
  const refused = await send(edge.port, { host: 'f.test' });
  assert.equal(refused.headers['retry-after'], '1');
  assert.equal(refused.headers['x-berth-edge'], '1');
  assert.equal(await who(edge, 'k.test'), 'k1', 'the keep_last_owner route still serves its last verified owner');
  assert.equal(b1.count(), 0, 'seq 4 was not applied over the gap');
  assert.equal(edge.appliedSeq(), 2);
  await eventually(() => cp.snapshotFetches >= 2, { message: 'the edge asks for a fresh snapshot' });
  await eventually(() => reportedIncidents(cp).some((incident) => incident.kind === 'gap'), { message: 'the gap is reported' });
  const incident = reportedIncidents(cp).find((i) => i.kind === 'gap')!;
  assert.deepEqual([incident.expectedSeq, incident.gotSeq, incident.affectedHostnames], [3, 4, ['f.test']]);
  assert.ok(cp.reports.some((report) => report.appliedSeq === 2 && report.degradedReason !== null), 'the edge reports itself degraded during the gap');

  release();
  cp.snapshotGate = undefined;
  await eventually(async () => (await who(edge, 'f.test')) === 'b1', { message: 'the fresh snapshot is swapped in' });
  assert.equal(edge.appliedSeq(), 4);
  cp.append(5, signedEvent(key, 5, { type: 'target.down', allocationId: 'alloc_b1', deploymentId: 'dep_g', environmentId: 'env_f' }));
  await eventually(async () => (await who(edge, 'f.test')) === '503 no_ready_target', { message: 'the edge resumed after the snapshot' });
  assert.equal(cp.eventRequests.at(-1), '?after=4', 'it resumed at snapshot seq + 1');
  await eventually(() => cp.reports.some((report) => report.appliedSeq === 5 && report.degradedReason === null));
  assert.ok(edge.lines.some((line) => /gap at seq 3.*failing closed for f\.test/.test(line)), edge.lines.join('\n'));
});

test('a snapshot with a bad signature or a bad checksum is refused and changes nothing', async () => {
  const routes = [routeEntry('k.test', 'env_k', 'dep_k', 1, { gapPolicy: 'keep_last_owner' }), routeEntry('f.test', 'env_f', 'dep_f')];
  const targets = [targetEntry(k1, 'env_k', 'dep_k'), targetEntry(a1, 'env_f', 'dep_f')];
  const forger = testSigningKey();
  const { cp, key } = await setUp(() => signedSnapshot(forger, 1, routes, targets));
  const edge = await edgeFor(cp);
  await eventually(() => reportedIncidents(cp).some((incident) => incident.kind === 'bad_signature'), { message: 'the forged snapshot is reported' });
  assert.equal(await who(edge, 'k.test'), '503 edge_not_synced', 'nothing is served from a snapshot that does not verify');
  assert.equal(k1.count(), 0);

  cp.snapshot = signedSnapshot(key, 1, routes, targets);
  await edge.ready();
  assert.equal(await who(edge, 'k.test'), 'k1');

  // A gap sends the edge back for a snapshot; the one it gets is signed by the right key but its
  // content was changed after its checksum was computed (k.test pointed at another allocation).
  cp.snapshot = snapshotWithBadChecksum(key, 3, routes, targets, (body) => {
    body.routes[0] = { ...body.routes[0]!, deploymentId: 'dep_evil' };
    body.targets.push(targetEntry(evil, 'env_k', 'dep_evil'));
  });
  cp.append(3, signedEvent(key, 3, { type: 'target.up', target: targetEntry(a2, 'env_f', 'dep_f') }));
  await eventually(() => reportedIncidents(cp).some((incident) => incident.kind === 'bad_checksum'), { message: 'the tampered snapshot is reported' });
  for (let i = 0; i < 3; i++) assert.equal(await who(edge, 'k.test'), 'k1', 'the last verified owner keeps serving');
  assert.equal(await who(edge, 'f.test'), '503 route_unverified', 'the fail_closed route stays closed: no verified baseline yet');
  assert.equal(evil.count(), 0);
  assert.equal(edge.appliedSeq(), 1);
  assert.match(edge.degradedReason() ?? '', /gap/);

  cp.snapshot = signedSnapshot(key, 3, routes, [...targets, targetEntry(a2, 'env_f', 'dep_f')]);
  await eventually(async () => edge.appliedSeq() === 3 && (await who(edge, 'f.test')).startsWith('a'), { message: 'a good snapshot heals it' });
});

test('an event with a bad signature is never applied: the edge treats it as a gap', async () => {
  const routes = [routeEntry('f.test', 'env_f', 'dep_f'), routeEntry('e.test', 'env_e', 'dep_evil')];
  const targets = [targetEntry(a1, 'env_f', 'dep_f'), targetEntry(evil, 'env_f', 'dep_evil')];
  const { cp, key } = await setUp((k) => signedSnapshot(k, 1, routes, targets));
  const edge = await edgeFor(cp);
  await edge.ready();
  // The real seq 2 added a2; what the transport carried instead moves f.test to the evil deployment.
  cp.snapshot = signedSnapshot(key, 2, routes, [...targets, targetEntry(a2, 'env_f', 'dep_f')]);
  cp.append(2, signedEvent(testSigningKey(), 2, { type: 'route.owner', route: routeEntry('f.test', 'env_f', 'dep_evil', 2), operationId: null }));
  await eventually(() => reportedIncidents(cp).some((incident) => incident.kind === 'bad_signature' && incident.expectedSeq === 2), { message: 'the forged event is reported' });
  await eventually(() => edge.appliedSeq() === 2, { message: 'the edge recovered through a snapshot' });
  for (let i = 0; i < 6; i++) assert.match(await who(edge, 'f.test'), /^a[12]$/);
  assert.equal(evil.count(), 0, 'the evil allocation never served f.test');
});

test('startEdge refuses a control plane that offers another route key, and a join token it refuses', async () => {
  const { cp } = await setUp((k) => signedSnapshot(k, 1, [], []));
  await assert.rejects(startFeedEdge(cp, { routePublicKey: testSigningKey().publicKeyText }), { code: 'route_key_mismatch' });
  await assert.rejects(startFeedEdge(cp, { joinToken: 'join_wrong' }), { status: 401, code: 'unauthenticated' });
  await assert.rejects(startFeedEdge(cp, { routePublicKey: 'ed25519:nope' }), { code: 'invalid_config' });
});
