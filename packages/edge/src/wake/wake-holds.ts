import type { Route, RouteTable } from '../route-table.js';
import { ReleaseQueue, type QueuedHold, type ReleaseSlot } from './release-queue.js';

/** Why a wake ended without the app becoming ready: a failure mode or refusal code, and a sentence. */
export interface WakeFailure {
  readonly code: string;
  readonly reason: string;
}

/**
 * One request (or WebSocket upgrade) waiting for its app to wake. Exactly one of its two calls is
 * made, once: `release` when its route gains a ready target (or stops being one the edge may hold
 * for: removed, failed closed), `expire` when the wake budget runs out or the wake fails.
 */
export interface Hold {
  readonly environmentId: string;
  readonly hostname: string;
  /** Bytes this hold keeps in the edge's memory (a body read ahead), counted against the limit. */
  readonly bytes: number;
  /**
   * Set for a request that goes to the app when released: such holds are released a window at a
   * time (ReleaseQueue), and `release` gets the `slot` to free once the request's answer ended.
   */
  readonly paced?: boolean | undefined;
  release(route: Route | undefined, slot?: ReleaseSlot): void;
  expire(failure: WakeFailure | undefined): void;
}

/** Lets a hold go early: its client left. The slot is free at once. */
export interface HoldHandle {
  cancel(): void;
}

class HeldEntry implements HoldHandle, QueuedHold {
  timer: NodeJS.Timeout | undefined;
  done = false;
  cancelled = false;

  constructor(readonly holds: WakeHolds, readonly hold: Hold) {}

  cancel(): void {
    this.cancelled = true;
    this.holds.remove(this);
  }
}

export interface WakeHoldsOptions {
  table: RouteTable;
  /** Requests held at once, across every app (10,000 unless told). */
  maxHeldRequests?: number | undefined;
  /** Bytes held at once (bodies read ahead), across every app (64 MiB unless told). */
  maxHeldBytes?: number | undefined;
}

/**
 * Every request the edge holds while apps wake, bounded in count and bytes. A hold is answered by
 * whichever comes first: its route gains a ready target (released, to be proxied), its own budget
 * deadline passes (503 `app_waking`), or its environment's wake fails (503 at once). Nothing polls
 * on the request path: the route table's changes release holds (DESIGN rule 4: no request is
 * held past its budget without an answer, because every hold has its own timer).
 */
export class WakeHolds {
  readonly #table: RouteTable;
  readonly #maxCount: number;
  readonly #maxBytes: number;
  readonly #byHost = new Map<string, Set<HeldEntry>>();
  readonly #countByEnvironment = new Map<string, number>();
  readonly #releases: ReleaseQueue;
  #count = 0;
  #bytes = 0;

  constructor(options: WakeHoldsOptions) {
    this.#table = options.table;
    this.#maxCount = options.maxHeldRequests ?? 10_000;
    this.#maxBytes = options.maxHeldBytes ?? 64 * 1024 * 1024;
    this.#releases = new ReleaseQueue({ table: options.table });
  }

  get count(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#bytes;
  }

  countFor(environmentId: string): number {
    return this.#countByEnvironment.get(environmentId) ?? 0;
  }

  /** Would a hold of `bytes` more fit? Checked before reading a body ahead. */
  fits(bytes: number): boolean {
    return this.#count < this.#maxCount && this.#bytes + bytes <= this.#maxBytes;
  }

  /**
   * Holds until `deadline` (a Date.now() time) at the latest. Returns undefined, holding nothing,
   * when the edge already holds as much as it may: the caller answers 503 `wake_hold_full`.
   */
  add(hold: Hold, deadline: number): HoldHandle | undefined {
    if (!this.fits(hold.bytes)) return undefined;
    const entry = new HeldEntry(this, hold);
    let set = this.#byHost.get(hold.hostname);
    if (set === undefined) this.#byHost.set(hold.hostname, (set = new Set()));
    set.add(entry);
    this.#count += 1;
    this.#bytes += hold.bytes;
    this.#countByEnvironment.set(hold.environmentId, this.countFor(hold.environmentId) + 1);
    entry.timer = setTimeout(() => this.#expire(entry, undefined), Math.max(0, deadline - Date.now()));
    return entry;
  }

  /**
   * The route table changed: holds whose route now has a ready target are released to it a window
   * at a time; holds whose route is gone or cannot be served are released at once (to be answered).
   */
  routesChanged(): void {
    for (const [hostname, set] of this.#byHost) {
      const route = this.#table.lookup(hostname);
      const servable = route !== undefined && route.failedClosed !== true && route.hasProcess !== false;
      if (servable && route.targets.length === 0) continue;
      const released = [...set].filter((entry) => this.remove(entry));
      if (servable) this.#releases.enqueue(hostname, released);
      else for (const entry of released) entry.hold.release(route);
    }
  }

  /** The environment's wake failed: every request held for it is answered now, not at its deadline. */
  failEnvironment(environmentId: string, failure: WakeFailure): void {
    for (const set of this.#byHost.values()) {
      for (const entry of [...set]) {
        if (entry.hold.environmentId === environmentId) this.#expire(entry, failure);
      }
    }
  }

  /** Answers every hold 503 now, and lets every released one go (the edge is closing). */
  expireAll(): void {
    for (const set of this.#byHost.values()) for (const entry of [...set]) this.#expire(entry, undefined);
    this.#releases.flush();
  }

  /** Takes an entry out of the books; false when it was already out (answered or cancelled). */
  remove(entry: HeldEntry): boolean {
    if (entry.done) return false;
    entry.done = true;
    clearTimeout(entry.timer);
    const { hostname, environmentId, bytes } = entry.hold;
    const set = this.#byHost.get(hostname);
    set?.delete(entry);
    if (set?.size === 0) this.#byHost.delete(hostname);
    this.#count -= 1;
    this.#bytes -= bytes;
    const left = this.countFor(environmentId) - 1;
    if (left <= 0) this.#countByEnvironment.delete(environmentId);
    else this.#countByEnvironment.set(environmentId, left);
    return true;
  }

  #expire(entry: HeldEntry, failure: WakeFailure | undefined): void {
    if (this.remove(entry)) entry.hold.expire(failure);
  }
}
