import { randomBytes } from 'node:crypto';
import {
  routeSigningKeyFromSeed, routeSnapshotBody, signDocument,
  type RouteEntry, type RouteEvent, type RoutePolicy, type RouteSigningKey, type SignedDocument, type TargetEntry,
} from '@berth/core';
import type { Backend } from './backends.js';

/** A fresh Ed25519 route signing key, as a control plane would hold. */
export function testSigningKey(): RouteSigningKey {
  return routeSigningKeyFromSeed(randomBytes(32));
}

// `scale.min = 1`: an app kept running, so a route with no ready target answers 503 at once (sleep tests say min = 0).
const productionPolicy: RoutePolicy = { environmentKind: 'production', gapPolicy: 'fail_closed', assets: null, hasProcess: true, scale: { min: 1, wakeBudgetMs: 10_000 } };

/** A route entry of `deploymentId` in `environmentId` (production, fail closed, no assets unless told). */
export function routeEntry(hostname: string, environmentId: string, deploymentId: string, epoch = 1, policy: Partial<RoutePolicy> = {}, digest = `sha256:${'ab'.repeat(32)}`): RouteEntry {
  return { hostname, appId: 'app_1', environmentId, deploymentId, digest, epoch, policy: { ...productionPolicy, ...policy } };
}

/** A target entry for a backend: one ready allocation of `deploymentId` in `environmentId`. */
export function targetEntry(backend: Backend, environmentId: string, deploymentId: string, allocationId = `alloc_${backend.name}`): TargetEntry {
  return { allocationId, deploymentId, environmentId, host: '127.0.0.1', port: backend.port };
}

export function signedSnapshot(key: RouteSigningKey, seq: number, routes: RouteEntry[], targets: TargetEntry[]): SignedDocument {
  return signDocument(JSON.stringify(routeSnapshotBody(seq, new Date().toISOString(), routes, targets)), key);
}

type EventWithoutBase<E> = E extends RouteEvent ? Omit<E, 'seq' | 'at'> : never;

export function signedEvent(key: RouteSigningKey, seq: number, event: EventWithoutBase<RouteEvent>): SignedDocument {
  return signDocument(JSON.stringify({ seq, at: new Date().toISOString(), ...event }), key);
}

/** A snapshot signed by the right key whose content does not match its checksum (someone changed a route). */
export function snapshotWithBadChecksum(key: RouteSigningKey, seq: number, routes: RouteEntry[], targets: TargetEntry[], tamper: (body: ReturnType<typeof routeSnapshotBody>) => void): SignedDocument {
  const body = routeSnapshotBody(seq, new Date().toISOString(), routes, targets);
  tamper(body);
  return signDocument(JSON.stringify(body), key);
}
