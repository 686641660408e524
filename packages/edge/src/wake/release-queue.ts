import type { RouteTable } from '../route-table.js';
import type { Hold } from './wake-holds.js';

/** Given to a paced hold's `release`: freed once the request no longer needs its place in the window. */
export interface ReleaseSlot {
  free(): void;
}

/** A hold taken out of the books because its route became hot, waiting for its turn. */
export interface QueuedHold {
  readonly hold: Hold;
  /** Set when its client left while it waited: it is skipped. */
  readonly cancelled: boolean;
}

export interface ReleaseQueueOptions {
  table: RouteTable;
  /** Released requests in flight at once per ready target of the route (64 unless told). */
  windowPerTarget?: number;
  /** The most in flight at once for one route, however many targets it has (256 unless told). */
  maxWindow?: number;
  /**
   * How long a released request keeps its place at most: a long-lived answer (server-sent events,
   * a long poll) lets the next one go after this, so the window bounds a burst, never a stream.
   */
  slotMs?: number;
}

interface HostQueue {
  waiting: QueuedHold[];
  next: number;
  inFlight: number;
  pumping: boolean;
}

/**
 * Releases the requests held for a route that just became hot a window at a time: at most
 * `windowPerTarget` per ready allocation in flight, the next one going as each answer ends. A
 * stampede of a thousand held requests then reaches the woken app over a few dozen reused
 * connections instead of a few hundred new ones, which the just-started app (its code not yet
 * optimised) and the edge both pay for; measured on the stampede benchmark, this is what keeps the
 * last answer close to the first. Holds that are not paced (WebSocket upgrades) go at once.
 */
export class ReleaseQueue {
  readonly #table: RouteTable;
  readonly #perTarget: number;
  readonly #max: number;
  readonly #slotMs: number;
  readonly #queues = new Map<string, HostQueue>();

  constructor(options: ReleaseQueueOptions) {
    this.#table = options.table;
    this.#perTarget = options.windowPerTarget ?? 64;
    this.#max = options.maxWindow ?? 256;
    this.#slotMs = options.slotMs ?? 100;
  }

  /** Requests released but still waiting for their turn, across every route. */
  get waiting(): number {
    let count = 0;
    for (const queue of this.#queues.values()) count += queue.waiting.length - queue.next;
    return count;
  }

  /** Releases `holds` to the route `hostname` names now: paced ones a window at a time, the rest at once. */
  enqueue(hostname: string, holds: readonly QueuedHold[]): void {
    let queue = this.#queues.get(hostname);
    if (queue === undefined) this.#queues.set(hostname, (queue = { waiting: [], next: 0, inFlight: 0, pumping: false }));
    for (const entry of holds) {
      if (entry.hold.paced === true) queue.waiting.push(entry);
      else entry.hold.release(this.#table.lookup(hostname));
    }
    this.#pump(hostname, queue);
  }

  /** Releases every waiting hold at once (the edge is closing: nothing will pace them). */
  flush(): void {
    for (const [hostname, queue] of this.#queues) {
      this.#queues.delete(hostname);
      const route = this.#table.lookup(hostname);
      for (let i = queue.next; i < queue.waiting.length; i++) {
        const entry = queue.waiting[i]!;
        if (!entry.cancelled) entry.hold.release(route, { free() {} });
      }
    }
  }

  #pump(hostname: string, queue: HostQueue): void {
    if (queue.pumping) return;
    queue.pumping = true;
    try {
      // A slot freed during a release (an answer the edge gave at once) lets this loop go on.
      while (queue.next < queue.waiting.length) {
        const route = this.#table.lookup(hostname);
        const window = Math.min(this.#max, this.#perTarget * Math.max(1, route?.targets.length ?? 1));
        if (queue.inFlight >= window) break;
        const entry = queue.waiting[queue.next]!;
        queue.waiting[queue.next] = undefined as unknown as QueuedHold;
        queue.next += 1;
        if (entry.cancelled) continue;
        queue.inFlight += 1;
        entry.hold.release(route, this.#slot(hostname, queue));
      }
    } finally {
      queue.pumping = false;
    }
    if (queue.next === queue.waiting.length) {
      queue.waiting = [];
      queue.next = 0;
      if (queue.inFlight === 0 && this.#queues.get(hostname) === queue) this.#queues.delete(hostname);
    }
  }

  #slot(hostname: string, queue: HostQueue): ReleaseSlot {
    let freed = false;
    const timer = setTimeout(() => slot.free(), this.#slotMs);
    timer.unref();
    const slot: ReleaseSlot = {
      free: () => {
        if (freed) return;
        freed = true;
        clearTimeout(timer);
        queue.inFlight -= 1;
        this.#pump(hostname, queue);
      },
    };
    return slot;
  }
}
