/**
 * The route feed: what the control plane tells edges, and the only way an edge learns who serves a
 * hostname. Every change is an event with a gap-free sequence number (the store's route event log
 * is the truth); an edge starts from a signed snapshot that covers a sequence and applies events in
 * order from the next one. A document travels as its exact JSON text plus an Ed25519 signature
 * over that text, so nothing is re-serialised between signing and verifying.
 */

import type { TrafficPolicy } from '../traffic/index.js';

export const routeSnapshotFormat = 'berth.route-snapshot/1';

/** What an edge does for a route when it finds a gap in the feed, until a fresh snapshot arrives. */
export type GapPolicy = 'fail_closed' | 'keep_last_owner';

/** How the edge treats requests for one route; built from the deployment's manifest and its environment. */
export interface RoutePolicy {
  /** Production or a preview: a preview hostname only ever names its preview environment's owner. */
  environmentKind: 'production' | 'preview';
  gapPolicy: GapPolicy;
  /** `[assets]` of the deployment: requests under `prefix` for files of the asset manifest are served by the edge. */
  assets: { prefix: string; immutable: boolean; count: number; checksum: string } | null;
  /** False for an assets-only app: there is no process to proxy to. */
  hasProcess: boolean;
  /**
   * How the edge classifies requests for this deployment (routes, webhooks, live, assets prefix):
   * compileTrafficPolicy of its manifest. Absent in events written before sleep and wake existed.
   */
  traffic?: TrafficPolicy | null;
  /** `[scale]` as the edge needs it: `min` (0 lets the app sleep) and how long a request may be held while it wakes. */
  scale?: { min: number; wakeBudgetMs: number } | null;
  /**
   * `[run] drain_timeout` of the deployment: how long an edge keeps live sessions (WebSockets) to
   * an allocation that stopped being a target before it closes them. Absent: 30 s.
   */
  drainTimeoutMs?: number | null;
}

/** One hostname's route owner as the edge holds it. */
export interface RouteEntry {
  hostname: string;
  appId: string;
  environmentId: string;
  deploymentId: string;
  digest: string;
  epoch: number;
  policy: RoutePolicy;
}

/** One ready allocation: an address the edge may send a request for its deployment to. */
export interface TargetEntry {
  allocationId: string;
  deploymentId: string;
  environmentId: string;
  host: string;
  port: number;
}

interface EventBase {
  seq: number;
  /** ISO time the event was appended. */
  at: string;
}

export type RouteEvent =
  /** A route owner moved (or was created): the hostname is served by `route.deploymentId` at `route.epoch`. */
  | (EventBase & { type: 'route.owner'; route: RouteEntry; operationId: string | null })
  /**
   * A hostname's policy changed while its owner did not (an environment's gap policy was set): the
   * route keeps its deployment and epoch and takes `policy`, the whole policy as a snapshot would
   * carry it now. An edge holding a later epoch of the route ignores it (that owner event carried
   * its own policy).
   */
  | (EventBase & { type: 'route.policy'; hostname: string; environmentId: string; epoch: number; policy: RoutePolicy })
  /** A hostname no longer has an owner (its app or preview was deleted): it answers 404. */
  | (EventBase & { type: 'route.removed'; hostname: string; environmentId: string })
  /** An allocation passed readiness: it may serve its deployment. */
  | (EventBase & { type: 'target.up'; target: TargetEntry })
  /** An allocation stopped being a target (draining, stopped, failed or lost). */
  | (EventBase & { type: 'target.down'; allocationId: string; deploymentId: string; environmentId: string });

export type RouteEventType = RouteEvent['type'];

/** Everything an edge needs to serve, as of sequence `seq` (every event up to and including it applied). */
export interface RouteSnapshotBody {
  format: typeof routeSnapshotFormat;
  seq: number;
  issuedAt: string;
  /** Sorted by hostname. */
  routes: RouteEntry[];
  /** Sorted by allocation id. */
  targets: TargetEntry[];
  /** `sha256:<hex>` of routeSnapshotChecksumInput(seq, routes, targets); see routeSnapshotChecksum. */
  checksum: string;
}

/** A document as it travels: its exact JSON text and an Ed25519 signature over that text's UTF-8 bytes. */
export interface SignedDocument {
  /** The JSON text that was signed (a RouteSnapshotBody or a RouteEvent). */
  body: string;
  /** Base64 Ed25519 signature of `body`. */
  signature: string;
  /** Which key signed it: see routeKeyId. */
  keyId: string;
}

/** An edge's report of something wrong with the feed, recorded by the control plane as a propagation incident. */
export interface PropagationIncident {
  kind: 'gap' | 'bad_signature' | 'bad_checksum' | 'bad_document' | 'transport';
  /** The sequence the edge expected next, and the one it got, when that applies. */
  expectedSeq?: number;
  gotSeq?: number;
  detail: string;
  /** Hostnames the edge failed closed for until a fresh snapshot. */
  affectedHostnames?: string[];
  at: string;
}
