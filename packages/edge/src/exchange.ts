import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { EdgeContext, EdgeLogEntry } from './edge-context.js';
import type { EnvironmentActivity } from './activity/environment-activity.js';
import { refusalFor, sendRefusal, type RefusalCode, type RefusalDetail, type RefusalStatus } from './edge-responses.js';
import { errorCode } from './proxy-errors.js';
import type { Route, Target } from './route-table.js';
import type { UpstreamCall } from './upstream-call.js';

/**
 * An exchange is one client request and its (at most two) attempts upstream. With its upstream
 * call (upstream-call.ts, which is its own undici handler) it is what the edge allocates per
 * request for itself: the event handlers in request-handler.ts and upstream-attempt.ts are
 * module-level functions that find their exchange through a symbol on the emitter they listen to,
 * instead of closures created for every request.
 */
const kExchange = Symbol('berth.exchange');
type Tagged = { [kExchange]?: Exchange | undefined };

export function exchangeOf(emitter: object): Exchange | undefined {
  return (emitter as Tagged)[kExchange];
}

export function tag(emitter: object, exchange: Exchange | undefined): void {
  (emitter as Tagged)[kExchange] = exchange;
}

export class Exchange {
  route: Route | undefined = undefined;
  target: Target | undefined = undefined;
  /** The attempt in flight: an undici call, or Node's ClientRequest when an observer follows it. */
  upstream: UpstreamCall | ClientRequest | undefined = undefined;
  /** The agent path's response (the undici path writes its answer straight to `res`). */
  upstreamResponse: IncomingMessage | undefined = undefined;
  /** Built on the first attempt and reused by the retry. */
  upstreamHeaders: string[] | undefined = undefined;
  attempts = 0;
  hasBody = false;
  bodyBytes = 0;
  clientGone = false;
  /** The status the edge decided itself (a refusal, a failure, a parser error); 0 while proxying. */
  outcome = 0;
  /** The environment's counters, once the route is known; its in-flight count drops when the response closes. */
  activity: EnvironmentActivity | undefined = undefined;
  /**
   * Sleep and wake (traffic/): the body already read into memory (an unsafe request held with its
   * Idempotency-Key, a verified webhook), sent upstream instead of streaming the client's...
   */
  body: Buffer | undefined = undefined;
  /** ...the hold waiting for the app to wake, cancelled if the client leaves, and when it began (Date.now())... */
  hold: { cancel(): void } | undefined = undefined;
  heldSince = 0;
  /** ...and who is told how the upstream answered (the idempotency record, the webhook event log). */
  observer: ExchangeObserver | undefined = undefined;

  constructor(
    readonly edge: EdgeContext,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
  ) {}

  /**
   * Ends the exchange with the edge's own answer, logged once: as a refusal, or as an upstream
   * failure when `error` says what went wrong. The connection closes if the body was left unread,
   * so the client's next request cannot be read out of the middle of this one's body.
   */
  refuse(what: RefusalCode | RefusalStatus, error?: unknown, extraHeaders?: readonly string[], detail?: RefusalDetail): void {
    const status = refusalFor(what).status;
    this.outcome = status;
    const { edge, req, res } = this;
    edge.log(this.logEntry(error === undefined || status < 500 ? 'refused' : 'upstream_failed', status, error));
    this.observer?.refused(this, status, error);
    sendRefusal(res, what, this.requestId, req.headers.accept, !req.complete || edge.closing, extraHeaders, detail);
  }

  logEntry(event: EdgeLogEntry['event'], status: number, error?: unknown): EdgeLogEntry {
    const req = this.req;
    return {
      event, status, requestId: this.requestId, hostname: this.route?.hostname ?? req.headers.host, method: req.method, path: req.url,
      deploymentId: this.route?.deploymentId, allocationId: this.target?.allocationId, error: describe(error),
      ...(this.heldSince > 0 ? { heldMs: Date.now() - this.heldSince } : {}),
    };
  }
}

/**
 * Told what became of an exchange's one upstream attempt: that it was sent, then the answer (before
 * its body streams; the observer may listen to the body too); or the edge's own refusal instead.
 */
export interface ExchangeObserver {
  /** Keeps the upstream attempt going when the client leaves, so its answer can still be kept. */
  readonly outlivesClient: boolean;
  sent(exchange: Exchange, upstream: ClientRequest): void;
  response(exchange: Exchange, upstream: IncomingMessage): void;
  refused(exchange: Exchange, status: number, error: unknown): void;
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return errorCode(error) ?? (error instanceof Error ? error.message : String(error));
}

export function ignoreError(): void {
  // Errors on the client's request and the upstream response surface again as a 'close' event,
  // which is where they are handled; this listener keeps them from becoming uncaught exceptions.
}
