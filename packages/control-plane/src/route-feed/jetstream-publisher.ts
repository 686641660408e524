import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { BerthError } from '@berth/core';
import type { RouteFeed, SignedRouteEvent } from './route-feed.js';

export const defaultRouteStream = 'BERTH_ROUTE_EVENTS';
export const defaultRouteSubject = 'berth.route.events';

export interface JetStreamPublisherOptions {
  url: string;
  /** Default BERTH_ROUTE_EVENTS. */
  stream?: string;
  /** Default berth.route.events. */
  subject?: string;
  feed: RouteFeed;
  log: (line: string) => void;
}

/** Where the publisher is: carrying events, or stopped because the stream and the store disagree. */
export type PublisherState = 'publishing' | 'inconsistent' | 'closed';

const wrongLastSequence = 10071;
const streamNotFound = 10059;

/** The signed body inside a stream message (the JSON of a SignedDocument). */
function bodyOf(data: Uint8Array): string | undefined {
  try {
    return (JSON.parse(new TextDecoder().decode(data)) as { body?: string }).body;
  } catch {
    return undefined;
  }
}

function apiErrorCode(error: unknown): number | undefined {
  return (error as { api_error?: { err_code?: number } })?.api_error?.err_code;
}

/**
 * Carries the route event log to a JetStream stream, one message per event, so that the stream's
 * sequence is the route sequence: each event is published with msgID `route-<seq>` (a retry or a
 * second replica publishing the same event is dropped as a duplicate) and `expect.lastSequence =
 * seq - 1` (the stream refuses anything out of place). Edges resume at snapshot seq + 1 with a
 * start-sequence consumer. JetStream only carries: the store stays the truth, and a stream that
 * disagrees with the store is reported, never "fixed" by publishing over it.
 */
export class JetStreamPublisher {
  readonly stream: string;
  readonly subject: string;
  readonly #options: JetStreamPublisherOptions;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  #queue: SignedRouteEvent[] = [];
  #pumping: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;
  /** The last sequence the stream is known to hold. */
  #last = 0;
  #state: PublisherState = 'publishing';
  readonly #stop = new AbortController();

  private constructor(options: JetStreamPublisherOptions, nc: NatsConnection, jsm: JetStreamManager) {
    this.#options = options;
    this.stream = options.stream ?? defaultRouteStream;
    this.subject = options.subject ?? defaultRouteSubject;
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = nc.jetstream();
  }

  /** Connects, makes sure the stream exists, and publishes from the stream's last sequence + 1 on. */
  static async start(options: JetStreamPublisherOptions): Promise<JetStreamPublisher> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: options.url, name: 'berth-control-plane', maxReconnectAttempts: -1, reconnectTimeWait: 1000, timeout: 5000 });
    } catch (error) {
      throw new BerthError('nats_unavailable', `Cannot connect to NATS at ${options.url}: ${(error as Error).message}.`, { cause: error, details: { url: options.url } });
    }
    try {
      const publisher = new JetStreamPublisher(options, nc, await nc.jetstreamManager());
      await publisher.#ensureStream();
      await publisher.#resume();
      return publisher;
    } catch (error) {
      await nc.close().catch(() => {});
      throw error;
    }
  }

  get state(): PublisherState {
    return this.#state;
  }

  /** The last route sequence the stream holds, as far as this publisher knows. */
  get publishedSeq(): number {
    return this.#last;
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#stop.abort();
    this.#unsubscribe?.();
    await this.#nc.close().catch(() => {});
    await this.#pumping?.catch(() => {});
  }

  async #ensureStream(): Promise<void> {
    try {
      await this.#jsm.streams.info(this.stream);
    } catch (error) {
      if (apiErrorCode(error) !== streamNotFound) throw error;
      await this.#jsm.streams.add({ name: this.stream, subjects: [this.subject] });
      this.#options.log(`route feed: created JetStream stream ${this.stream} for ${this.subject}`);
    }
  }

  /**
   * Reads where the stream ends and subscribes to the feed from there. A stream ahead of the store
   * waits for the store (another replica may simply have read it first); a stream whose last message
   * is not the store's event at that sequence stops the publisher with a clear log line.
   */
  async #resume(): Promise<void> {
    this.#unsubscribe?.();
    this.#queue = [];
    const info = await this.#jsm.streams.info(this.stream);
    const last = info.state.last_seq;
    this.#last = last;
    if (last > 0) {
      const [ours] = await this.#options.feed.eventsAfter(last - 1, 1);
      if (!ours) {
        this.#options.log(`route feed: JetStream stream ${this.stream} ends at sequence ${last}, ahead of the store's route event log; publishing waits until the store reaches it. If the store was restored or replaced, delete the stream so it starts again from the store.`);
      } else {
        const theirs = await this.#jsm.streams.getMessage(this.stream, { seq: last }).catch(() => undefined);
        if (theirs && bodyOf(theirs.data) !== ours.document.body) {
          this.#state = 'inconsistent';
          this.#options.log(`route feed: JetStream stream ${this.stream} holds a different event at sequence ${last} than the store's route event log; nothing more is published to it and edges fall back to snapshots. Delete the stream (nats stream rm ${this.stream}) so it starts again from the store.`);
          return;
        }
      }
    }
    this.#unsubscribe = this.#options.feed.subscribe(last, (document, seq) => {
      this.#queue.push({ seq, document });
      this.#pump();
    });
  }

  async #resumeRetrying(): Promise<void> {
    for (let attempt = 1; this.#state === 'publishing'; attempt++) {
      try {
        await this.#resume();
        return;
      } catch (error) {
        this.#options.log(`route feed: reading JetStream stream ${this.stream} failed (${(error as Error).message}); retrying`);
        await sleep(Math.min(5000, 100 * 2 ** Math.min(attempt, 6)), undefined, { signal: this.#stop.signal }).catch(() => {});
      }
    }
  }

  #pump(): void {
    if (this.#pumping || this.#state !== 'publishing') return;
    this.#pumping = this.#publishQueued().catch((error) => this.#options.log(`route feed: the JetStream publisher stopped: ${(error as Error).message}`)).finally(() => {
      this.#pumping = undefined;
      if (this.#queue.length > 0 && this.#state === 'publishing') this.#pump();
    });
  }

  async #publishQueued(): Promise<void> {
    let failures = 0;
    while (this.#queue.length > 0 && this.#state === 'publishing') {
      const event = this.#queue[0]!;
      if (event.seq <= this.#last) {
        this.#queue.shift();
        continue;
      }
      try {
        const ack = await this.#js.publish(this.subject, JSON.stringify(event.document), { msgID: `route-${event.seq}`, expect: { lastSequence: event.seq - 1 } });
        if (ack.seq !== event.seq) {
          this.#state = 'inconsistent';
          this.#options.log(`route feed: JetStream stored route event ${event.seq} at stream sequence ${ack.seq}${ack.duplicate ? ' (as a duplicate)' : ''}; the stream no longer matches the log, publishing stops. Delete stream ${this.stream} so it starts again from the store.`);
          return;
        }
        this.#last = event.seq;
        this.#queue.shift();
        failures = 0;
      } catch (error) {
        if (this.#state !== 'publishing') return;
        if (apiErrorCode(error) === wrongLastSequence) {
          // Another replica published first, or the stream lost messages: start again from where it ends.
          this.#options.log(`route feed: JetStream stream ${this.stream} is not at sequence ${event.seq - 1}; resuming from where it ends`);
          await this.#resumeRetrying();
          return;
        }
        failures++;
        this.#options.log(`route feed: publishing route event ${event.seq} to JetStream failed (${(error as Error).message}); retrying`);
        await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), undefined, { signal: this.#stop.signal }).catch(() => {});
      }
    }
  }
}
