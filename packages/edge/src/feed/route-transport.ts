import type { SignedDocument } from '@berth/core';

/** Where a transport delivers what it carries; implemented by the feed follower. */
export interface RouteFeedSink {
  /** One signed route event, in the order the transport carries them; `carriedSeq` is the transport's own sequence for it. */
  document(document: SignedDocument, carriedSeq: number | undefined): void;
  /** The sequence applied so far: a reconnecting transport resumes after it. */
  appliedSeq(): number;
  /** The transport cannot resume from where the edge is (its log no longer holds the next event): a fresh snapshot is needed. */
  cannotResume(detail: string): void;
  /** The transport connected or lost its connection; reported, and logged, never acted on. */
  connection(connected: boolean, detail: string): void;
}

/**
 * A way route events reach the edge: the control plane's own event stream (`embedded`, for `berth
 * up`) or NATS JetStream. A transport only carries documents; the route state verifies and orders
 * them, so a transport that drops, repeats or reorders can cause a refetch but never a wrong route.
 *
 * Contract: `start(fromSeq)` stops any earlier run and delivers events from `fromSeq` on; after
 * `stop()` returns, no document of the stopped run reaches the sink.
 */
export interface RouteTransport {
  readonly kind: 'embedded' | 'jetstream';
  start(fromSeq: number, sink: RouteFeedSink): void;
  stop(): void;
  /** Stops and releases connections for good. */
  close(): Promise<void>;
}

/** Grows a retry delay from `initialMs` to `maxMs`, doubling each time; `reset()` after a success. */
export class Backoff {
  #next: number;

  constructor(readonly initialMs: number, readonly maxMs: number) {
    this.#next = initialMs;
  }

  next(): number {
    const delay = this.#next;
    this.#next = Math.min(this.maxMs, this.#next * 2);
    return delay;
  }

  reset(): void {
    this.#next = this.initialMs;
  }
}
