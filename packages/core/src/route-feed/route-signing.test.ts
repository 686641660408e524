import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseRoutePublicKey, routeSigningKeyFromSeed, routeSnapshotBody, signDocument, verifyEvent, verifySnapshot } from './route-signing.js';
import type { RouteEntry, TargetEntry } from './route-feed.js';

const route: RouteEntry = {
  hostname: 'shop.localhost', appId: 'app_1', environmentId: 'env_1', deploymentId: 'dep_1', digest: 'sha256:aa', epoch: 3,
  policy: { environmentKind: 'production', gapPolicy: 'fail_closed', assets: null, hasProcess: true },
};
const target: TargetEntry = { allocationId: 'alloc_1', deploymentId: 'dep_1', environmentId: 'env_1', host: '127.0.0.1', port: 4000 };

test('a key derived from one seed signs alike, and its public key round-trips through its text', () => {
  const seed = randomBytes(32);
  const a = routeSigningKeyFromSeed(seed);
  const b = routeSigningKeyFromSeed(seed);
  assert.equal(a.publicKeyText, b.publicKeyText);
  assert.equal(parseRoutePublicKey(a.publicKeyText).keyId, a.keyId);
  assert.throws(() => parseRoutePublicKey('ed25519:short'), /44 characters/);
  assert.throws(() => routeSigningKeyFromSeed(randomBytes(16)), /32 bytes/);
});

test('a signed snapshot verifies; a changed byte, another key or a wrong checksum is refused with its kind', () => {
  const key = routeSigningKeyFromSeed(randomBytes(32));
  const { publicKey } = parseRoutePublicKey(key.publicKeyText);
  const body = routeSnapshotBody(7, new Date(0).toISOString(), [route], [target]);
  const doc = signDocument(JSON.stringify(body), key);
  const ok = verifySnapshot(doc, publicKey);
  assert.equal(ok.ok, true);
  assert.equal(ok.ok && ok.snapshot.seq, 7);

  const tampered = { ...doc, body: doc.body.replace('"epoch":3', '"epoch":4') };
  assert.deepEqual(verifySnapshot(tampered, publicKey).ok, false);
  assert.equal((verifySnapshot(tampered, publicKey) as { kind: string }).kind, 'bad_signature');

  const other = routeSigningKeyFromSeed(randomBytes(32));
  assert.equal((verifySnapshot(signDocument(doc.body, other), publicKey) as { kind: string }).kind, 'bad_signature');

  // Signed by the right key but with content that does not match its checksum.
  const lying = JSON.stringify({ ...body, routes: [{ ...route, deploymentId: 'dep_evil' }] });
  assert.equal((verifySnapshot(signDocument(lying, key), publicKey) as { kind: string }).kind, 'bad_checksum');
  assert.equal((verifySnapshot(signDocument('not json', key), publicKey) as { kind: string }).kind, 'bad_document');
  assert.equal((verifySnapshot({ ...doc, signature: 'AAAA' }, publicKey) as { kind: string }).kind, 'bad_signature');
});

test('the checksum does not depend on the order routes and targets are listed in', () => {
  const second = { ...route, hostname: 'a.localhost' };
  const t2 = { ...target, allocationId: 'alloc_0' };
  assert.equal(routeSnapshotBody(1, 'x', [route, second], [target, t2]).checksum, routeSnapshotBody(1, 'x', [second, route], [t2, target]).checksum);
  assert.notEqual(routeSnapshotBody(1, 'x', [route], []).checksum, routeSnapshotBody(2, 'x', [route], []).checksum);
});

test('a signed event verifies; a document that is not an event is refused', () => {
  const key = routeSigningKeyFromSeed(randomBytes(32));
  const { publicKey } = parseRoutePublicKey(key.publicKeyText);
  const event = { seq: 5, at: new Date(0).toISOString(), type: 'target.up', target };
  const ok = verifyEvent(signDocument(JSON.stringify(event), key), publicKey);
  assert.equal(ok.ok && ok.event.seq, 5);
  assert.equal((verifyEvent(signDocument(JSON.stringify({ seq: 0, type: 'target.up' }), key), publicKey) as { kind: string }).kind, 'bad_document');
  assert.equal((verifyEvent(signDocument(JSON.stringify({ seq: 2, type: 'mystery' }), key), publicKey) as { kind: string }).kind, 'bad_document');
});
