import { signDocument, type Clock, type RouteSigningKey, type SignedDocument } from '@berth/core';
import type { Db } from '../store/db.js';
import { lastRouteSeq, readRouteEvents } from './route-event-log.js';
import { buildRouteSnapshot } from './route-snapshot.js';

/** One signed event and its sequence number. */
export interface SignedRouteEvent {
  seq: number;
  document: SignedDocument;
}

export type RouteEventListener = (document: SignedDocument, seq: number) => void;

export interface RouteFeedDeps {
  db: Db;
  key: RouteSigningKey;
  clock: Clock;
  log: (line: string) => void;
  /** How often the store is read for events another replica appended (default 200 ms). */
  pollMs?: number;
  /** Signed events kept in memory for subscribers that are a little behind (default 4096). */
  cacheSize?: number;
}

interface Subscriber {
  /** The last sequence delivered to it. */
  cursor: number;
  listener: RouteEventListener;
  catchingUp: boolean;
  active: boolean;
}

const pageSize = 500;

/**
 * The embedded route feed: signed events from the store's route event log, in order, to every
 * subscriber in this process (the edge's SSE stream, the JetStream publisher, `berth up`'s own
 * edge). The store is the truth: the feed reads it when poked (right after a commit in this
 * process, so delivery takes about a millisecond) and every `pollMs` (for events another replica
 * appended). A subscriber gets the backlog after the sequence it names, then live events, each
 * exactly once and in order.
 */
export class RouteFeed {
  readonly publicKeyText: string;
  readonly #deps: RouteFeedDeps;
  readonly #subscribers = new Set<Subscriber>();
  /** The last sequence read from the store; events up to it are in the cache or the store. */
  #head = 0;
  #recent: SignedRouteEvent[] = [];
  #reading: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #started: Promise<void> | undefined;
  /** Set once `#head` is the log's end: reading from 0 would sign the whole history for nothing. */
  #ready = false;

  constructor(deps: RouteFeedDeps) {
    this.#deps = deps;
    this.publicKeyText = deps.key.publicKeyText;
  }

  /** The last sequence this feed has read from the store. */
  get lastSeq(): number {
    return this.#head;
  }

  /** Reads where the log ends and starts polling. Subscribers may come before it resolves. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      this.#head = Math.max(this.#head, await lastRouteSeq(this.#deps.db));
      this.#ready = true;
      for (const sub of this.#subscribers) this.#drain(sub);
      this.#timer = setInterval(() => this.poke(), this.#deps.pollMs ?? 200);
      this.#timer.unref();
      this.poke();
    })();
    return this.#started;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const sub of this.#subscribers) sub.active = false;
    this.#subscribers.clear();
    await this.#reading?.catch(() => {});
  }

  /** A signed snapshot of every route owner and target as of the last event. */
  snapshot(): Promise<SignedDocument> {
    return buildRouteSnapshot(this.#deps.db, this.#deps.key, new Date(this.#deps.clock.now()));
  }

  /** Up to `limit` signed events after `seq`, from the cache when it holds them, else from the store. */
  async eventsAfter(seq: number, limit: number): Promise<SignedRouteEvent[]> {
    const cached = this.#fromCache(seq, limit);
    if (cached.length > 0 && (cached.length === limit || cached.at(-1)!.seq >= this.#head)) return cached;
    const events = await readRouteEvents(this.#deps.db, seq, limit);
    return events.map((event) => ({ seq: event.seq, document: signDocument(JSON.stringify(event), this.#deps.key) }));
  }

  /**
   * Delivers every event after `afterSeq` to `listener`, backlog first, then live, in order, with no
   * gap and no duplicate; returns the unsubscribe. A listener that throws is logged and kept.
   */
  subscribe(afterSeq: number, listener: RouteEventListener): () => void {
    const sub: Subscriber = { cursor: Math.max(0, Math.floor(afterSeq)), listener, catchingUp: false, active: true };
    this.#subscribers.add(sub);
    this.#drain(sub);
    this.poke();
    return () => {
      sub.active = false;
      this.#subscribers.delete(sub);
    };
  }

  /** Reads the store for new events now; call it after committing a transaction that appended any. */
  poke(): void {
    if (this.#closed || !this.#ready) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = this.#readNew()
      .catch((error) => this.#deps.log(`route feed: reading the route event log failed: ${(error as Error).message}`))
      .finally(() => {
        this.#reading = undefined;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  /** Resolves once the feed has read every event committed before the call (tests, and callers that need the head). */
  async refresh(): Promise<number> {
    await this.#started;
    await this.#reading;
    this.poke();
    await this.#reading;
    return this.#head;
  }

  async #readNew(): Promise<void> {
    for (;;) {
      const events = await readRouteEvents(this.#deps.db, this.#head, pageSize);
      for (const event of events) {
        if (event.seq !== this.#head + 1) {
          // The log is gap-free by construction; a hole here means rows were deleted by hand.
          this.#deps.log(`route feed: the route event log jumps from ${this.#head} to ${event.seq}; edges will see a gap and refetch a snapshot`);
        }
        const signed = { seq: event.seq, document: signDocument(JSON.stringify(event), this.#deps.key) };
        this.#remember(signed);
        this.#head = event.seq;
        for (const sub of this.#subscribers) this.#deliver(sub, signed);
      }
      if (events.length < pageSize || this.#closed) return;
    }
  }

  #remember(event: SignedRouteEvent): void {
    const last = this.#recent.at(-1);
    if (last && last.seq !== event.seq - 1) this.#recent = [];
    this.#recent.push(event);
    const limit = this.#deps.cacheSize ?? 4096;
    if (this.#recent.length > limit) this.#recent.splice(0, this.#recent.length - limit);
  }

  #fromCache(afterSeq: number, limit: number): SignedRouteEvent[] {
    const first = this.#recent[0];
    if (!first || afterSeq + 1 < first.seq) return [];
    const start = afterSeq + 1 - first.seq;
    return this.#recent.slice(start, start + limit);
  }

  #deliver(sub: Subscriber, event: SignedRouteEvent): void {
    if (!sub.active || sub.catchingUp || event.seq <= sub.cursor) return;
    if (event.seq !== sub.cursor + 1) {
      this.#drain(sub);
      return;
    }
    this.#call(sub, event);
  }

  #call(sub: Subscriber, event: SignedRouteEvent): void {
    sub.cursor = event.seq;
    try {
      sub.listener(event.document, event.seq);
    } catch (error) {
      this.#deps.log(`route feed: a subscriber failed on event ${event.seq}: ${(error as Error).message}`);
    }
  }

  /**
   * Brings a subscriber from its cursor up to the head: from the cache synchronously when it holds
   * the events, else from the store page by page. Live delivery skips it meanwhile; it rejoins as
   * soon as its cursor reaches the head, in the same tick as the check, so nothing falls between.
   */
  #drain(sub: Subscriber): void {
    if (sub.catchingUp || !sub.active) return;
    sub.catchingUp = true;
    const step = async (): Promise<void> => {
      while (sub.active && sub.cursor < this.#head) {
        let events = this.#fromCache(sub.cursor, pageSize);
        if (events.length === 0) events = await this.eventsAfter(sub.cursor, pageSize);
        const before = sub.cursor;
        // In order; a hole in the log (rows deleted by hand) is passed on, so the edge sees the gap
        // and goes back to a snapshot, rather than this feed stalling on it.
        for (const event of events) if (sub.active && event.seq > sub.cursor) this.#call(sub, event);
        if (sub.cursor === before) break;
      }
      sub.catchingUp = false;
    };
    step().catch((error) => {
      sub.catchingUp = false;
      this.#deps.log(`route feed: catching a subscriber up from ${sub.cursor} failed: ${(error as Error).message}; retrying on the next poll`);
    });
  }
}
