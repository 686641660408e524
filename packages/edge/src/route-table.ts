import type { TrafficMatcher } from '@berth/core';
import { ActivityRegistry, type EnvironmentActivity } from './activity/environment-activity.js';
import type { AssetMount } from './assets/asset-mount.js';

/**
 * A target is one ready allocation of a route's deployment: an address the edge may send a request
 * to. Only allocations that passed readiness become targets (DESIGN rule 3), so a target list is the
 * control plane's verdict, never the edge's guess.
 */
export interface Target {
  readonly allocationId: string;
  readonly host: string;
  readonly port: number;
}

/**
 * What the edge knows about one hostname: the deployment its route owner names at an epoch, and
 * that deployment's ready allocations. A route with no targets is still a route: its app is known
 * and the edge answers 503, never with another deployment's allocation (DESIGN rule 1).
 */
export interface Route {
  readonly hostname: string;
  readonly epoch: number;
  readonly deploymentId: string;
  readonly environmentId: string;
  readonly targets: readonly Target[];
  /** The artifact the deployment runs; informational for the proxy, the key of its assets. */
  readonly digest?: string | undefined;
  /** Set when the deployment has `[assets]`: requests under the prefix for manifest files are served by the edge. */
  readonly assets?: AssetMount | null | undefined;
  /**
   * Set while the route feed has a gap and this route's policy is `fail_closed`: the edge cannot
   * vouch for the owner, so every request answers 503 `route_unverified` until a fresh snapshot.
   */
  readonly failedClosed?: boolean | undefined;
  /** False for an assets-only app: nothing to proxy to, so a path outside the manifest is a 404. Defaults to true. */
  readonly hasProcess?: boolean | undefined;
  /**
   * The deployment's traffic policy compiled for requests (one per artifact digest), or null when
   * the route feed carries none: requests are then classed by method alone (GET/HEAD safe).
   */
  readonly matcher?: TrafficMatcher | null | undefined;
  /**
   * Whether a request finding no target wakes the app: `[scale] min = 0`, or no scale known.
   * False for an app kept running (min ≥ 1): with nothing ready it is starting or broken, and the
   * edge answers 503 at once. Defaults to true.
   */
  readonly sleeps?: boolean | undefined;
  /** How long a safe request may be held while the app wakes (`[scale] wake_budget`); 10 s unless told. */
  readonly wakeBudgetMs?: number | undefined;
  /** How long live sessions to an allocation that stopped being a target stay open (`[run] drain_timeout`); 30 s unless told. */
  readonly drainDeadlineMs?: number | undefined;
  /**
   * Set by the table: whether even a request with a ready target is classified first (the policy
   * has webhooks, whose signatures are checked whatever the app's state). False keeps the hot
   * path a prefix check and a map lookup.
   */
  readonly classifyWhenHot?: boolean | undefined;
  /** Set by the table: the environment's activity counters, shared by its routes. */
  readonly activity?: EnvironmentActivity | undefined;
}

export const defaultWakeBudgetMs = 10_000;
export const defaultDrainDeadlineMs = 30_000;

/**
 * Lowercases a Host header and strips its port and a trailing dot, so `App.Example.com.:8080` and
 * `app.example.com` name the same route. IPv6 literals keep their brackets.
 */
export function normalizeHostname(host: string): string {
  let end = host.length;
  if (host.charCodeAt(0) === 91 /* [ */) {
    end = host.indexOf(']') + 1 || end;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1) end = colon;
  }
  if (end > 0 && host.charCodeAt(end - 1) === 46 /* . */) end -= 1;
  return (end === host.length ? host : host.slice(0, end)).toLowerCase();
}

/**
 * Hostname → route, read on every request and written only by whoever feeds the edge (the route
 * event feed, later). Readers hold the Route object they looked up, and routes are frozen, so a
 * request sees one consistent owner and target list even if the table changes while it runs.
 */
export class RouteTable {
  #routes = new Map<string, Route>();
  /**
   * Every ready allocation the feed announced, whether or not a route names it now: a promotion's
   * new production allocations before the swap, the previous owner's until they drain. Never used
   * to route (only a route's own targets are); the target pool keeps connections to them.
   */
  readonly #ready = new Map<string, Target>();
  /** Allocation id → how many routes name it as a target; kept as routes change, so no change walks every route. */
  readonly #named = new Map<string, number>();
  /** Allocations that became ready (announced, or first named by a route) since `takeNewlyReady`. */
  #newlyReady: Target[] = [];
  readonly #listeners = new Set<() => void>();
  #awaitingFirstSnapshot: boolean;
  /** Per-environment activity (requests, open work), reported to the control plane for sleep decisions. */
  readonly activity = new ActivityRegistry();

  /**
   * `awaitingFirstSnapshot` marks a table that a route feed will fill: until its first replace(),
   * an unknown host is not known to be unknown, and the edge answers 503 `edge_not_synced`, not 404.
   */
  constructor(options: { awaitingFirstSnapshot?: boolean } = {}) {
    this.#awaitingFirstSnapshot = options.awaitingFirstSnapshot === true;
  }

  get awaitingFirstSnapshot(): boolean {
    return this.#awaitingFirstSnapshot;
  }

  /** The route for a Host header (any case, with or without a port), or undefined for an unknown host. */
  lookup(host: string | undefined): Route | undefined {
    if (host === undefined || host === '') return undefined;
    return this.#routes.get(normalizeHostname(host));
  }

  get size(): number {
    return this.#routes.size;
  }

  routes(): IterableIterator<Route> {
    return this.#routes.values();
  }

  /**
   * Swaps the whole table for a snapshot. The new Map is built aside and swapped in with one
   * assignment, so no reader ever sees half of the old table and half of the new one.
   */
  replace(routes: Iterable<Route>): void {
    const next = new Map<string, Route>();
    for (const route of routes) {
      const frozen = freezeRoute(route, this.activity);
      if (next.has(frozen.hostname)) throw new Error(`route table: hostname ${frozen.hostname} appears twice in one snapshot`);
      next.set(frozen.hostname, frozen);
    }
    this.#routes = next;
    this.#named.clear();
    for (const route of next.values()) this.#name(route.targets, 1);
    // A whole snapshot is not news: its allocations get connections as requests need them.
    this.#newlyReady = [];
    this.#awaitingFirstSnapshot = false;
    this.#changed();
  }

  /**
   * Sets one hostname's route. Returns false, and changes nothing, when the route is older than
   * the one held: epochs only grow, so an older epoch is a late or replayed event. The same epoch
   * is accepted because targets change (allocations become ready or drain) without an owner change.
   */
  update(route: Route): boolean {
    const frozen = freezeRoute(route, this.activity);
    const held = this.#routes.get(frozen.hostname);
    if (held !== undefined && held.epoch > frozen.epoch) return false;
    this.#routes.set(frozen.hostname, frozen);
    this.#name(frozen.targets, 1);
    if (held !== undefined) this.#name(held.targets, -1);
    this.#changed();
    return true;
  }

  /** Forgets a hostname: it answers 404 from now on. Returns whether it was known. */
  remove(hostname: string): boolean {
    const key = normalizeHostname(hostname);
    const held = this.#routes.get(key);
    if (held === undefined) return false;
    this.#routes.delete(key);
    this.#name(held.targets, -1);
    this.#changed();
    return true;
  }

  /** Whether some route names the allocation as a target (live sessions to any other are drained). */
  isTarget(allocationId: string): boolean {
    return this.#named.has(allocationId);
  }

  /** Whether a route names the allocation or the feed announced it ready: worth keeping connections to. */
  isReadyAllocation(allocationId: string): boolean {
    return this.#named.has(allocationId) || this.#ready.has(allocationId);
  }

  /** The allocations that became ready since the last call (a whole snapshot's are not counted), once each. */
  takeNewlyReady(): Target[] {
    const fresh = this.#newlyReady;
    this.#newlyReady = [];
    return fresh;
  }

  #name(targets: readonly Target[], delta: 1 | -1): void {
    for (const target of targets) {
      const count = (this.#named.get(target.allocationId) ?? 0) + delta;
      if (count > 0) {
        if (count === 1 && delta === 1 && !this.#ready.has(target.allocationId)) this.#newlyReady.push(target);
        this.#named.set(target.allocationId, count);
      } else {
        this.#named.delete(target.allocationId);
      }
    }
  }

  /** Records a ready allocation the feed announced, routed to or not (see `isReadyAllocation`). */
  addReadyTarget(target: Target): void {
    const copy = { allocationId: target.allocationId, host: target.host, port: target.port };
    if (!this.#ready.has(copy.allocationId) && !this.#named.has(copy.allocationId)) this.#newlyReady.push(copy);
    this.#ready.set(copy.allocationId, copy);
    this.#changed();
  }

  /** Forgets a ready allocation: the feed said it is no longer ready. */
  removeReadyTarget(allocationId: string): void {
    if (this.#ready.delete(allocationId)) this.#changed();
  }

  /** Forgets every ready allocation, before a snapshot announces them all again. */
  clearReadyTargets(): void {
    this.#ready.clear();
  }

  /** Calls `listener` after every change; returns a function that stops it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** A private, frozen copy: the caller may reuse its objects without changing what requests see. */
function freezeRoute(route: Route, activity: ActivityRegistry): Route {
  if (!Number.isSafeInteger(route.epoch) || route.epoch < 0) throw new Error(`route table: ${route.hostname} has an invalid epoch ${route.epoch}`);
  const targets = route.targets.map((target) => {
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65_535) {
      throw new Error(`route table: allocation ${target.allocationId} of ${route.hostname} has an invalid port ${target.port}`);
    }
    return Object.freeze({ allocationId: target.allocationId, host: target.host, port: target.port });
  });
  // The fields every proxied request reads come first: an object's fields are laid out in the
  // order they are written, so with 10,000 routes (one of them read at random per request, rarely
  // in the CPU's cache) they share the object's first cache line instead of spreading over three.
  return Object.freeze({
    targets: Object.freeze(targets),
    failedClosed: route.failedClosed === true,
    assets: route.assets ?? null,
    hasProcess: route.hasProcess !== false,
    activity: activity.of(route.environmentId),
    classifyWhenHot: (route.matcher?.webhooks.length ?? 0) > 0,
    hostname: normalizeHostname(route.hostname),
    epoch: route.epoch,
    deploymentId: route.deploymentId,
    environmentId: route.environmentId,
    digest: route.digest,
    matcher: route.matcher ?? null,
    sleeps: route.sleeps !== false,
    wakeBudgetMs: route.wakeBudgetMs ?? defaultWakeBudgetMs,
    drainDeadlineMs: route.drainDeadlineMs ?? defaultDrainDeadlineMs,
  });
}
