import { verifyEvent, verifySnapshot, type PropagationIncident, type RouteEntry, type RouteEvent, type RoutePolicy, type SignedDocument, type TargetEntry } from '@berth/core';
import type { KeyObject } from 'node:crypto';
import type { AssetSite } from '../assets/asset-site.js';
import type { AssetStore } from '../assets/asset-store.js';
import { normalizeHostname, type Route, type RouteTable } from '../route-table.js';
import { deploymentKey, projectRoute } from './route-projection.js';
import { TrafficMatchers } from './traffic-matchers.js';

/** What became of one event document offered to the state. */
export type EventOutcome =
  | { kind: 'applied'; seq: number }
  /** Already applied (seq ≤ applied): carried twice, ignored. */
  | { kind: 'duplicate' }
  /** Not applied and never will be: the feed has a hole here, or the document is not a verified event. */
  | { kind: 'gap'; incident: PropagationIncident }
  /** Not looked at: there is no baseline to apply it to (no snapshot yet, or a gap awaiting a fresh one). */
  | { kind: 'held' };

/** `stale`: the snapshot verified but covers less than is already applied (a refresh that lost a race with the feed). */
export type SnapshotOutcome = { ok: true; seq: number } | { ok: false; incident: PropagationIncident; stale?: boolean };

/**
 * The edge's verified view of the route feed: a signed snapshot plus the signed events applied
 * after it, strictly in sequence order, projected into the RouteTable the proxy reads. It never
 * applies an event over a gap: once one is seen (`enterGap`), nothing more is applied until a
 * fresh verified snapshot replaces the whole state. Routes whose policy is `fail_closed` answer
 * 503 meanwhile; `keep_last_owner` routes keep serving their last verified owner.
 */
export class RouteState {
  readonly #table: RouteTable;
  readonly #publicKey: KeyObject;
  readonly #assets: AssetStore | undefined;
  readonly #matchers = new TrafficMatchers();
  #appliedSeq = -1;
  #inGap = false;
  readonly #routes = new Map<string, RouteEntry>();
  readonly #targets = new Map<string, TargetEntry>();
  /** Deployment key → its ready allocations, and → the hostnames its routes are, for incremental updates. */
  readonly #targetsOf = new Map<string, Map<string, TargetEntry>>();
  readonly #hostsOf = new Map<string, Set<string>>();

  constructor(options: { table: RouteTable; publicKey: KeyObject; assets?: AssetStore | undefined }) {
    this.#table = options.table;
    this.#publicKey = options.publicKey;
    this.#assets = options.assets;
  }

  /** The sequence of the last event applied (or of the snapshot); -1 before the first snapshot. */
  get appliedSeq(): number {
    return this.#appliedSeq;
  }

  get hasSnapshot(): boolean {
    return this.#appliedSeq >= 0;
  }

  get inGap(): boolean {
    return this.#inGap;
  }

  /**
   * Verifies a signed snapshot (signature, checksum, and that it does not go back before what is
   * applied) and, only if it passes, swaps it in whole: the table is replaced in one step and the
   * gap, if any, is cleared. A refused snapshot changes nothing.
   */
  acceptSnapshot(document: SignedDocument): SnapshotOutcome {
    const verified = verifySnapshot(document, this.#publicKey);
    if (!verified.ok) return { ok: false, incident: incident(verified.kind, verified.detail) };
    const snapshot = verified.snapshot;
    if (snapshot.seq < this.#appliedSeq) {
      return { ok: false, stale: true, incident: incident('bad_document', `the snapshot covers seq ${snapshot.seq}, before the ${this.#appliedSeq} already applied`, { gotSeq: snapshot.seq }) };
    }
    const hostnames = new Set(snapshot.routes.map((route) => normalizeHostname(route.hostname)));
    const unusable = hostnames.size !== snapshot.routes.length ? 'the snapshot names a hostname twice'
      : snapshot.routes.map(badRoute).find((reason) => reason !== undefined) ?? snapshot.targets.map(badTarget).find((reason) => reason !== undefined);
    if (unusable !== undefined) return { ok: false, incident: incident('bad_document', unusable, { gotSeq: snapshot.seq }) };
    this.#routes.clear();
    this.#targets.clear();
    this.#targetsOf.clear();
    this.#hostsOf.clear();
    this.#table.clearReadyTargets();
    for (const target of snapshot.targets) this.#addTarget(target);
    for (const route of snapshot.routes) this.#addRoute(route);
    this.#appliedSeq = snapshot.seq;
    this.#inGap = false;
    this.#table.replace([...this.#routes.values()].map((route) => this.#project(route)));
    this.#matchers.retainOnly(new Set(snapshot.routes.map((route) => route.digest)));
    this.#assets?.retainOnly(new Set([...this.#table.routes()].map((route) => route.assets?.site).filter((site): site is AssetSite => site != null)));
    return { ok: true, seq: snapshot.seq };
  }

  /**
   * Offers one signed event. `carriedSeq` is the sequence the transport says it carries (the SSE
   * id, the JetStream stream sequence): a document at or below what is applied is skipped without
   * verifying it; it is never trusted for anything else.
   */
  acceptEvent(document: SignedDocument, carriedSeq?: number): EventOutcome {
    if (this.#appliedSeq < 0 || this.#inGap) return { kind: 'held' };
    if (carriedSeq !== undefined && carriedSeq <= this.#appliedSeq) return { kind: 'duplicate' };
    const expectedSeq = this.#appliedSeq + 1;
    const verified = verifyEvent(document, this.#publicKey);
    if (!verified.ok) return { kind: 'gap', incident: incident(verified.kind, verified.detail, { expectedSeq, gotSeq: carriedSeq }) };
    const event = verified.event;
    if (carriedSeq !== undefined && carriedSeq !== event.seq) {
      return { kind: 'gap', incident: incident('bad_document', `the transport carried seq ${carriedSeq} for an event signed as seq ${event.seq}`, { expectedSeq, gotSeq: carriedSeq }) };
    }
    if (event.seq < expectedSeq) return { kind: 'duplicate' };
    if (event.seq > expectedSeq) return { kind: 'gap', incident: incident('gap', `expected seq ${expectedSeq} next, got ${event.seq}`, { expectedSeq, gotSeq: event.seq }) };
    const unusable = event.type === 'route.owner' ? badRoute(event.route)
      : event.type === 'route.policy' ? badPolicy(event.hostname, event.policy)
      : event.type === 'target.up' ? badTarget(event.target) : undefined;
    if (unusable !== undefined) return { kind: 'gap', incident: incident('bad_document', unusable, { expectedSeq, gotSeq: event.seq }) };
    this.#apply(event);
    this.#appliedSeq = event.seq;
    return { kind: 'applied', seq: event.seq };
  }

  /**
   * Stops applying events until a fresh snapshot, and fails closed every route whose policy says
   * so. Returns those hostnames, for the incident.
   */
  enterGap(): string[] {
    this.#inGap = true;
    const affected: string[] = [];
    for (const route of this.#routes.values()) {
      if (route.policy.gapPolicy !== 'fail_closed') continue;
      affected.push(route.hostname);
      this.#table.update(this.#project(route));
    }
    return affected.sort();
  }

  #apply(event: RouteEvent): void {
    switch (event.type) {
      case 'route.owner': {
        const hostname = normalizeHostname(event.route.hostname);
        const held = this.#routes.get(hostname);
        // Epochs only grow within an environment; an older one is a late event and changes nothing.
        if (held !== undefined && held.environmentId === event.route.environmentId && held.epoch > event.route.epoch) return;
        if (held !== undefined) {
          this.#removeRoute(held);
          // Another environment's epochs are not comparable with the held one's: start afresh.
          if (held.environmentId !== event.route.environmentId) this.#table.remove(hostname);
        }
        this.#addRoute(event.route);
        this.#table.update(this.#project(this.#routes.get(hostname)!));
        return;
      }
      case 'route.policy': {
        // The owner stays; only how the edge treats the route changes (its gap policy, say): from
        // now on, and for the next gap, the route is served by the new policy.
        const held = this.#routes.get(normalizeHostname(event.hostname));
        if (held === undefined || held.environmentId !== event.environmentId || held.epoch > event.epoch) return;
        const route = { ...held, policy: event.policy };
        this.#routes.set(held.hostname, route);
        this.#table.update(this.#project(route));
        return;
      }
      case 'route.removed': {
        const held = this.#routes.get(normalizeHostname(event.hostname));
        if (held === undefined || held.environmentId !== event.environmentId) return;
        this.#removeRoute(held);
        this.#table.remove(held.hostname);
        return;
      }
      case 'target.up': {
        const key = deploymentKey(event.target.environmentId, event.target.deploymentId);
        const held = this.#targets.get(event.target.allocationId);
        // An allocation belongs to one deployment; should the feed say otherwise, it leaves the old one's routes.
        if (held !== undefined && deploymentKey(held.environmentId, held.deploymentId) !== key) {
          this.#removeTarget(held.allocationId);
          this.#refresh(deploymentKey(held.environmentId, held.deploymentId));
        }
        this.#addTarget(event.target);
        return this.#refresh(key);
      }
      case 'target.down': {
        const held = this.#targets.get(event.allocationId);
        if (held === undefined) return;
        this.#removeTarget(event.allocationId);
        return this.#refresh(deploymentKey(held.environmentId, held.deploymentId));
      }
    }
  }

  /** Re-projects the routes of one deployment after its targets changed. */
  #refresh(key: string): void {
    const hosts = this.#hostsOf.get(key);
    if (hosts === undefined) return;
    for (const hostname of hosts) this.#table.update(this.#project(this.#routes.get(hostname)!));
  }

  #project(route: RouteEntry): Route {
    const failedClosed = this.#inGap && route.policy.gapPolicy === 'fail_closed';
    return projectRoute(route, this.#targetsOf.get(deploymentKey(route.environmentId, route.deploymentId))?.values(), failedClosed, this.#assets, this.#matchers);
  }

  #addRoute(route: RouteEntry): void {
    const entry = { ...route, hostname: normalizeHostname(route.hostname) };
    this.#routes.set(entry.hostname, entry);
    const key = deploymentKey(entry.environmentId, entry.deploymentId);
    let hosts = this.#hostsOf.get(key);
    if (hosts === undefined) this.#hostsOf.set(key, (hosts = new Set()));
    hosts.add(entry.hostname);
  }

  #removeRoute(route: RouteEntry): void {
    this.#routes.delete(route.hostname);
    const key = deploymentKey(route.environmentId, route.deploymentId);
    const hosts = this.#hostsOf.get(key);
    hosts?.delete(route.hostname);
    if (hosts?.size === 0) this.#hostsOf.delete(key);
  }

  #addTarget(target: TargetEntry): void {
    this.#targets.set(target.allocationId, target);
    // Every ready allocation, owner or not, is worth a connection (the proxy's target pool); only
    // the route owner's are ever routed to.
    this.#table.addReadyTarget(target);
    const key = deploymentKey(target.environmentId, target.deploymentId);
    let targets = this.#targetsOf.get(key);
    if (targets === undefined) this.#targetsOf.set(key, (targets = new Map()));
    targets.set(target.allocationId, target);
  }

  #removeTarget(allocationId: string): void {
    const held = this.#targets.get(allocationId);
    if (held === undefined) return;
    this.#targets.delete(allocationId);
    this.#table.removeReadyTarget(allocationId);
    const key = deploymentKey(held.environmentId, held.deploymentId);
    const targets = this.#targetsOf.get(key);
    targets?.delete(allocationId);
    if (targets?.size === 0) this.#targetsOf.delete(key);
  }
}

function incident(kind: PropagationIncident['kind'], detail: string, seqs: { expectedSeq?: number | undefined; gotSeq?: number | undefined } = {}): PropagationIncident {
  return {
    kind, detail, at: new Date().toISOString(),
    ...(seqs.expectedSeq !== undefined ? { expectedSeq: seqs.expectedSeq } : {}),
    ...(seqs.gotSeq !== undefined ? { gotSeq: seqs.gotSeq } : {}),
  };
}

/** Why a signed route cannot be served (the table would refuse it), or undefined. */
function badRoute(route: RouteEntry): string | undefined {
  if (typeof route?.hostname !== 'string' || route.hostname === '' || !Number.isSafeInteger(route.epoch) || route.epoch < 0) {
    return `the route ${JSON.stringify(route?.hostname)} is malformed`;
  }
  return badPolicy(route.hostname, route.policy);
}

function badPolicy(hostname: string, policy: RoutePolicy): string | undefined {
  if (typeof hostname !== 'string' || hostname === '' || typeof policy !== 'object' || policy === null) return `the route ${JSON.stringify(hostname)} is malformed`;
  const traffic = policy.traffic;
  if (traffic != null && (typeof traffic !== 'object' || !Array.isArray(traffic.routes) || !Array.isArray(traffic.webhooks))) {
    return `the traffic policy of route ${JSON.stringify(hostname)} is malformed`;
  }
  return undefined;
}

function badTarget(target: TargetEntry): string | undefined {
  if (typeof target?.allocationId !== 'string' || typeof target.host !== 'string' || !Number.isInteger(target.port) || target.port < 1 || target.port > 65_535) {
    return `the target ${JSON.stringify(target?.allocationId)} is malformed`;
  }
  return undefined;
}
