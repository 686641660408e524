import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { startBackend } from '../test-support/backends.js';
import { send } from '../test-support/client.js';
import { startControlPlaneStandIn } from '../test-support/control-plane-stand-in.js';
import { startFeedEdge } from '../test-support/feed-edge.js';
import { routeEntry, signedEvent, signedSnapshot, targetEntry, testSigningKey } from '../test-support/feed-documents.js';

const open: { close(): Promise<void> }[] = [];
after(async () => {
  for (const thing of open.reverse()) await thing.close();
});

test('an edge restarts from its disk journal and serves at once with the control plane down, then resumes after the seq it applied', async () => {
  const [r1, r2, r3] = await Promise.all([startBackend('r1'), startBackend('r2'), startBackend('r3')]);
  open.push(r1, r2, r3);
  const key = testSigningKey();
  const cp = await startControlPlaneStandIn(key, signedSnapshot(key, 1, [routeEntry('r.test', 'env_r', 'dep_1')], [targetEntry(r1, 'env_r', 'dep_1')]));
  const port = Number(new URL(cp.url).port);
  // No routePublicKey: the first edge trusts the key its registration is answered with and pins it.
  const first = await startFeedEdge(cp, { routePublicKey: undefined });
  await first.ready();
  assert.equal((await readFile(join(first.dataDir, 'route-public-key'), 'utf8')).trim(), key.publicKeyText);
  cp.append(2, signedEvent(key, 2, { type: 'route.owner', route: routeEntry('r.test', 'env_r', 'dep_2', 2), operationId: 'op_1' }));
  cp.append(3, signedEvent(key, 3, { type: 'target.up', target: targetEntry(r2, 'env_r', 'dep_2') }));
  await eventually(async () => (await send(first.port, { host: 'r.test' })).headers['x-backend'] === 'r2');
  await first.close();
  await cp.close();

  // The control plane is down: the second edge starts from what the first kept on disk.
  const second = await startFeedEdge(cp, { routePublicKey: undefined, dataDir: first.dataDir });
  open.push(second);
  assert.equal(second.appliedSeq(), 3, 'the snapshot and both events were verified and applied from disk');
  const reply = await send(second.port, { host: 'r.test' });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['x-backend'], 'r2', 'served at once, by the owner of seq 3');
  assert.notEqual(second.degradedReason(), null);
  assert.ok(second.lines.some((line) => /cannot register yet/.test(line)), second.lines.join('\n'));

  // The control plane returns on the same address with one more event: the edge resumes after 3.
  const back = await startControlPlaneStandIn(key, signedSnapshot(key, 3, [routeEntry('r.test', 'env_r', 'dep_2', 2)], [targetEntry(r2, 'env_r', 'dep_2')]), { port });
  open.push(back);
  back.append(4, signedEvent(key, 4, { type: 'target.up', target: targetEntry(r3, 'env_r', 'dep_2') }));
  await eventually(() => second.appliedSeq() === 4, { message: 'the edge resumed the feed' });
  assert.equal(back.eventRequests[0], '?after=3');
  assert.equal(back.snapshotFetches, 0, 'no snapshot was needed to resume');
  await second.ready();
  await eventually(() => back.reports.some((report) => report.appliedSeq === 4 && report.degradedReason === null));
});

test('a journal whose snapshot no longer verifies is not served from', async () => {
  const backend = await startBackend('j1');
  open.push(backend);
  const key = testSigningKey();
  const cp = await startControlPlaneStandIn(key, signedSnapshot(key, 1, [routeEntry('j.test', 'env_j', 'dep_1')], [targetEntry(backend, 'env_j', 'dep_1')]));
  const first = await startFeedEdge(cp);
  await first.ready();
  await first.close();
  await cp.close();
  // The same data dir, told to trust another key: nothing on disk verifies with it.
  const other = testSigningKey();
  const second = await startFeedEdge(cp, { dataDir: first.dataDir, routePublicKey: other.publicKeyText });
  open.push(second);
  assert.equal(second.appliedSeq(), -1);
  assert.equal((await send(second.port, { host: 'j.test' })).status, 503);
  assert.equal(backend.count(), 0);
  assert.ok(second.lines.some((line) => /snapshot kept on disk is refused \(bad_signature/.test(line)), second.lines.join('\n'));
});
