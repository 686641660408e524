import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlPlaneLink } from '../link/control-plane-link.js';
import { ControlPlaneRefusal } from '../link/control-plane-refusal.js';
import { carriedDocument } from './carried-document.js';
import { Backoff, type RouteFeedSink, type RouteTransport } from './route-transport.js';
import { SseReader } from './sse-reader.js';

export interface EmbeddedTransportOptions {
  /** A stream silent for this long (no event, no heartbeat comment) is presumed dead and reopened. 30 s unless told. */
  idleTimeoutMs?: number;
  /** First and longest wait between reconnections. */
  reconnectMs?: { initial: number; max: number };
}

interface Run {
  stopped: boolean;
  /** Aborted by stop(): ends the wait between reconnections. */
  readonly stopping: AbortController;
  connection: AbortController | undefined;
}

/**
 * The embedded feed: the control plane's route event log read as a server-sent event stream
 * (`GET /api/edges/route-events?after=N`). Every reconnection asks for the events after the
 * sequence the edge has applied, so a dropped connection loses nothing.
 */
export class EmbeddedTransport implements RouteTransport {
  readonly kind = 'embedded';
  readonly #link: ControlPlaneLink;
  readonly #idleTimeoutMs: number;
  readonly #reconnect: { initial: number; max: number };
  #run: Run | undefined;

  constructor(link: ControlPlaneLink, options: EmbeddedTransportOptions = {}) {
    this.#link = link;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.#reconnect = options.reconnectMs ?? { initial: 100, max: 5_000 };
  }

  start(fromSeq: number, sink: RouteFeedSink): void {
    this.stop();
    const run: Run = { stopped: false, stopping: new AbortController(), connection: undefined };
    this.#run = run;
    void this.#follow(run, fromSeq - 1, sink);
  }

  stop(): void {
    const run = this.#run;
    if (run === undefined) return;
    this.#run = undefined;
    run.stopped = true;
    run.stopping.abort();
    run.connection?.abort();
  }

  async close(): Promise<void> {
    this.stop();
  }

  async #follow(run: Run, firstAfter: number, sink: RouteFeedSink): Promise<void> {
    const backoff = new Backoff(this.#reconnect.initial, this.#reconnect.max);
    let after = firstAfter;
    while (!run.stopped) {
      const connection = new AbortController();
      run.connection = connection;
      try {
        const res = await this.#link.events(after, connection.signal);
        if (run.stopped) return;
        sink.connection(true, `following the route event stream after seq ${after}`);
        if (await this.#read(res, run, connection, sink)) backoff.reset();
        if (!run.stopped) sink.connection(false, 'the route event stream ended');
      } catch (error) {
        if (run.stopped) return;
        // 409 or 410: the control plane's log no longer reaches back to `after`.
        if (error instanceof ControlPlaneRefusal && (error.status === 409 || error.status === 410)) {
          sink.cannotResume(error.message);
          return;
        }
        sink.connection(false, error instanceof Error ? error.message : String(error));
      }
      if (run.stopped) return;
      await sleep(backoff.next(), undefined, { signal: run.stopping.signal }).catch(() => {});
      after = sink.appliedSeq();
    }
  }

  /** Reads one stream until it ends, goes silent or is stopped; true when it delivered anything. */
  async #read(res: Response, run: Run, connection: AbortController, sink: RouteFeedSink): Promise<boolean> {
    if (res.body === null) return false;
    const reader = new SseReader();
    const decoder = new TextDecoder();
    let delivered = false;
    let idle = setTimeout(() => connection.abort(), this.#idleTimeoutMs);
    try {
      for await (const chunk of res.body) {
        clearTimeout(idle);
        idle = setTimeout(() => connection.abort(), this.#idleTimeoutMs);
        for (const event of reader.push(decoder.decode(chunk, { stream: true }))) {
          if (run.stopped) return delivered;
          const seq = event.id !== undefined && /^\d+$/.test(event.id) ? Number(event.id) : undefined;
          sink.document(carriedDocument(event.data), seq);
          delivered = true;
        }
      }
    } catch {
      // A cut or aborted stream: the caller reconnects (or has stopped).
    } finally {
      clearTimeout(idle);
    }
    return delivered;
  }
}
