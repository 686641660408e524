import { connect, DeliverPolicy, type ConsumerMessages, type NatsConnection } from 'nats';
import { setTimeout as sleep } from 'node:timers/promises';
import { carriedDocument } from './carried-document.js';
import { Backoff, type RouteFeedSink, type RouteTransport } from './route-transport.js';

export interface JetStreamTransportOptions {
  /** `nats://host:4222` (several comma-separated servers allowed). */
  natsUrl: string;
  /** The stream the control plane publishes route events to (BERTH_ROUTE_EVENTS unless told). */
  stream?: string;
  subject?: string;
  reconnectMs?: { initial: number; max: number };
}

export const defaultRouteEventStream = 'BERTH_ROUTE_EVENTS';
export const routeEventSubject = 'berth.route.events';

interface Run {
  stopped: boolean;
  readonly stopping: AbortController;
  messages: ConsumerMessages | undefined;
}

/**
 * Route events over NATS JetStream. The stream's sequence is the route event's sequence, so the
 * edge resumes with an ordered (ephemeral) consumer starting at the sequence after the one it has
 * applied. JetStream only carries the feed: a message it lost or deleted shows up as a hole in
 * the sequence, which the route state treats as a gap and answers with a fresh snapshot from the
 * control plane, the truth.
 */
export class JetStreamTransport implements RouteTransport {
  readonly kind = 'jetstream';
  readonly #options: JetStreamTransportOptions;
  #connection: Promise<NatsConnection> | undefined;
  #run: Run | undefined;

  constructor(options: JetStreamTransportOptions) {
    this.#options = options;
  }

  start(fromSeq: number, sink: RouteFeedSink): void {
    this.stop();
    const run: Run = { stopped: false, stopping: new AbortController(), messages: undefined };
    this.#run = run;
    void this.#follow(run, fromSeq, sink);
  }

  stop(): void {
    const run = this.#run;
    if (run === undefined) return;
    this.#run = undefined;
    run.stopped = true;
    run.stopping.abort();
    run.messages?.stop();
  }

  async close(): Promise<void> {
    this.stop();
    const connection = this.#connection;
    this.#connection = undefined;
    const nc = await connection?.catch(() => undefined);
    await nc?.close();
  }

  #connect(): Promise<NatsConnection> {
    this.#connection ??= connect({ servers: this.#options.natsUrl.split(','), name: 'berth-edge', maxReconnectAttempts: -1, reconnectTimeWait: 500 })
      .catch((error: unknown) => {
        this.#connection = undefined;
        throw error;
      });
    return this.#connection;
  }

  async #follow(run: Run, fromSeq: number, sink: RouteFeedSink): Promise<void> {
    const stream = this.#options.stream ?? defaultRouteEventStream;
    const backoff = new Backoff(this.#options.reconnectMs?.initial ?? 250, this.#options.reconnectMs?.max ?? 5_000);
    let next = fromSeq;
    while (!run.stopped) {
      try {
        const js = (await this.#connect()).jetstream();
        const consumer = await js.consumers.get(stream, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: Math.max(1, next),
          filterSubjects: this.#options.subject ?? routeEventSubject,
        });
        if (run.stopped) return;
        const messages = await consumer.consume();
        run.messages = messages;
        if (run.stopped) {
          messages.stop();
          return;
        }
        sink.connection(true, `following JetStream stream ${stream} from seq ${next}`);
        for await (const message of messages) {
          if (run.stopped) break;
          sink.document(carriedDocument(message.string()), message.seq);
          backoff.reset();
        }
        if (!run.stopped) sink.connection(false, `the JetStream consumer of ${stream} stopped`);
      } catch (error) {
        if (run.stopped) return;
        sink.connection(false, `JetStream stream ${stream}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (run.stopped) return;
      await sleep(backoff.next(), undefined, { signal: run.stopping.signal }).catch(() => {});
      next = sink.appliedSeq() + 1;
    }
  }
}
