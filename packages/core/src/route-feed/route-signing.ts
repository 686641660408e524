import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { routeSnapshotFormat, type RouteEntry, type RouteEvent, type RouteSnapshotBody, type SignedDocument, type TargetEntry } from './route-feed.js';

/**
 * Ed25519 keys for the route feed. The control plane derives its key pair from a 32-byte seed (so
 * every replica sharing the master key signs alike); an edge holds only the public key, written
 * `ed25519:<base64 of the 32 raw bytes>`.
 */
export interface RouteSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** `ed25519:<base64>`: what an edge is given to verify with. */
  publicKeyText: string;
  keyId: string;
}

// PKCS#8 and SPKI DER prefixes for a raw Ed25519 key (RFC 8410).
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

export function routeSigningKeyFromSeed(seed: Uint8Array): RouteSigningKey {
  if (seed.length !== 32) throw new Error(`an Ed25519 seed is 32 bytes, not ${seed.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const raw = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(spkiPrefix.length);
  return { privateKey, publicKey, publicKeyText: `ed25519:${raw.toString('base64')}`, keyId: routeKeyId(raw) };
}

/** Parses `ed25519:<base64>`; throws with a sentence a person can act on. */
export function parseRoutePublicKey(text: string): { publicKey: KeyObject; keyId: string } {
  const match = /^ed25519:([A-Za-z0-9+/]{43}=)$/.exec(text.trim());
  if (!match) throw new Error('a route public key is written "ed25519:" followed by 44 characters of base64 (32 bytes)');
  const raw = Buffer.from(match[1]!, 'base64');
  if (raw.length !== 32) throw new Error('a route public key is 32 bytes');
  return { publicKey: createPublicKey({ key: Buffer.concat([spkiPrefix, raw]), format: 'der', type: 'spki' }), keyId: routeKeyId(raw) };
}

/** The first 8 bytes of the SHA-256 of the raw public key, in hex: names a key in documents and logs. */
export function routeKeyId(rawPublicKey: Uint8Array): string {
  return createHash('sha256').update(rawPublicKey).digest('hex').slice(0, 16);
}

export function signDocument(body: string, key: RouteSigningKey): SignedDocument {
  return { body, signature: sign(null, Buffer.from(body, 'utf8'), key.privateKey).toString('base64'), keyId: key.keyId };
}

/** True when `document.signature` is a valid Ed25519 signature of `document.body` by `publicKey`. */
export function verifyDocument(document: SignedDocument, publicKey: KeyObject): boolean {
  if (typeof document?.body !== 'string' || typeof document.signature !== 'string') return false;
  const signature = Buffer.from(document.signature, 'base64');
  if (signature.length !== 64) return false;
  try {
    return verify(null, Buffer.from(document.body, 'utf8'), publicKey, signature);
  } catch {
    return false;
  }
}

/**
 * The checksum a snapshot carries: SHA-256 over the canonical JSON of its sequence, routes and
 * targets, each list sorted (routes by hostname, targets by allocation id) and each object's keys
 * in a fixed order, so the control plane and an edge compute it alike from the parsed lists.
 */
export function routeSnapshotChecksum(seq: number, routes: readonly RouteEntry[], targets: readonly TargetEntry[]): string {
  const hash = createHash('sha256');
  hash.update(`${routeSnapshotFormat}\n${seq}\n`);
  for (const r of [...routes].sort((a, b) => compare(a.hostname, b.hostname))) {
    hash.update(JSON.stringify(['route', r.hostname, r.appId, r.environmentId, r.deploymentId, r.digest, r.epoch, r.policy.environmentKind, r.policy.gapPolicy, r.policy.hasProcess,
      r.policy.assets ? [r.policy.assets.prefix, r.policy.assets.immutable, r.policy.assets.count, r.policy.assets.checksum] : null,
      // Added later: present only when set, so a snapshot without them keeps its checksum.
      ...(r.policy.traffic ? [['traffic', r.policy.traffic]] : []),
      ...(r.policy.scale ? [['scale', r.policy.scale.min, r.policy.scale.wakeBudgetMs]] : []),
      ...(typeof r.policy.drainTimeoutMs === 'number' ? [['drain', r.policy.drainTimeoutMs]] : [])]) + '\n');
  }
  for (const t of [...targets].sort((a, b) => compare(a.allocationId, b.allocationId))) {
    hash.update(JSON.stringify(['target', t.allocationId, t.deploymentId, t.environmentId, t.host, t.port]) + '\n');
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Builds a snapshot body with its checksum (routes and targets sorted). */
export function routeSnapshotBody(seq: number, issuedAt: string, routes: readonly RouteEntry[], targets: readonly TargetEntry[]): RouteSnapshotBody {
  return {
    format: routeSnapshotFormat,
    seq,
    issuedAt,
    routes: [...routes].sort((a, b) => compare(a.hostname, b.hostname)),
    targets: [...targets].sort((a, b) => compare(a.allocationId, b.allocationId)),
    checksum: routeSnapshotChecksum(seq, routes, targets),
  };
}

export type VerifiedSnapshot = { ok: true; snapshot: RouteSnapshotBody } | { ok: false; kind: 'bad_signature' | 'bad_checksum' | 'bad_document'; detail: string };
export type VerifiedEvent = { ok: true; event: RouteEvent } | { ok: false; kind: 'bad_signature' | 'bad_document'; detail: string };

/** Verifies a signed snapshot: the signature first, then its shape, then its checksum. Nothing is trusted before the signature. */
export function verifySnapshot(document: SignedDocument, publicKey: KeyObject): VerifiedSnapshot {
  if (!verifyDocument(document, publicKey)) return { ok: false, kind: 'bad_signature', detail: 'the snapshot\'s signature does not verify with the route public key' };
  let body: RouteSnapshotBody;
  try {
    body = JSON.parse(document.body) as RouteSnapshotBody;
  } catch {
    return { ok: false, kind: 'bad_document', detail: 'the snapshot is not JSON' };
  }
  if (body?.format !== routeSnapshotFormat || !Number.isSafeInteger(body.seq) || body.seq < 0 || !Array.isArray(body.routes) || !Array.isArray(body.targets)) {
    return { ok: false, kind: 'bad_document', detail: `the snapshot is not a ${routeSnapshotFormat} document` };
  }
  const checksum = routeSnapshotChecksum(body.seq, body.routes, body.targets);
  if (checksum !== body.checksum) return { ok: false, kind: 'bad_checksum', detail: `the snapshot's checksum ${String(body.checksum)} does not match its content (${checksum})` };
  return { ok: true, snapshot: body };
}

const eventTypes = new Set(['route.owner', 'route.policy', 'route.removed', 'target.up', 'target.down']);

/** Verifies a signed route event: the signature, then that it is an event with a sequence number. */
export function verifyEvent(document: SignedDocument, publicKey: KeyObject): VerifiedEvent {
  if (!verifyDocument(document, publicKey)) return { ok: false, kind: 'bad_signature', detail: 'the event\'s signature does not verify with the route public key' };
  let event: RouteEvent;
  try {
    event = JSON.parse(document.body) as RouteEvent;
  } catch {
    return { ok: false, kind: 'bad_document', detail: 'the event is not JSON' };
  }
  if (!eventTypes.has(event?.type) || !Number.isSafeInteger(event.seq) || event.seq < 1) return { ok: false, kind: 'bad_document', detail: 'the document is not a route event' };
  return { ok: true, event };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
