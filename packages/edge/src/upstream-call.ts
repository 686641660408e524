import { PassThrough } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RefusalStatus } from './edge-responses.js';
import { ignoreError, type Exchange } from './exchange.js';
import { clientResponseHeadersFromRaw } from './forward-headers.js';
import { UpstreamTimeoutError, errorCode, proxyFailureStatus } from './proxy-errors.js';
import type { Target } from './route-table.js';
import { retryTargetFor } from './upstream-retry.js';

/**
 * One attempt upstream over the target's undici Pool: the hot path. The call is its own dispatch
 * handler, so a request costs this one object and no listener on any emitter: the response head
 * is written to the client as it arrives, body chunks go straight into the client's response with
 * backpressure (a full client buffer pauses the upstream socket until it drains), and a failure
 * becomes the same status the agent path gives it (proxy-errors.ts).
 */
export class UpstreamCall implements Dispatcher.DispatchHandlers {
  #abort: ((error?: Error) => void) | undefined = undefined;
  /** Set when the call was stopped before undici handed it a connection: it is aborted on arrival. */
  #stopped: Error | undefined = undefined;
  #resume: (() => void) | undefined = undefined;
  /** The request body as undici reads it (a stream of the client's; see `start`). */
  #body: PassThrough | undefined = undefined;
  #responded = false;
  #done = false;

  constructor(readonly exchange: Exchange) {}

  /** Sends the request; the exchange's headers are built and its target chosen. */
  start(target: Target): void {
    const exchange = this.exchange;
    if (exchange.body !== undefined || !exchange.hasBody) {
      this.#dispatch(target, exchange.body ?? null);
      return;
    }
    // undici destroys the body stream it was given once it is done with it; the client's request
    // must outlive that (its socket carries the response), so undici reads a copy.
    const copy = new PassThrough();
    copy.on('error', ignoreError);
    exchange.req.pipe(copy);
    this.#body = copy;
    // Node's parser may still refuse the rest of what it already read (a malformed chunk): the
    // request goes out once that read is parsed, so a refused one never reaches the app.
    setImmediate(() => {
      if (this.#stopped === undefined && exchange.upstream === this) this.#dispatch(target, copy);
    });
  }

  #dispatch(target: Target, body: Buffer | PassThrough | null): void {
    const { req, edge, upstreamHeaders } = this.exchange;
    edge.pool.poolFor(target).dispatch({ path: req.url!, method: req.method as Dispatcher.HttpMethod, headers: upstreamHeaders!, body }, this);
  }

  /** Stops the call (the client left, its body was refused or stalled); `error` reaches onError. */
  destroy(error?: Error): void {
    if (this.#done) return;
    this.#stopBody();
    if (this.#abort !== undefined) this.#abort(error);
    else this.#stopped = error ?? new Error('upstream call stopped');
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.#stopped !== undefined) abort(this.#stopped);
    else this.#abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    // 1xx answers (100 Continue, 103 Early Hints) are the edge's to handle, not the client's.
    if (statusCode < 200) return true;
    const exchange = this.exchange;
    if (exchange.upstream !== this || exchange.clientGone || exchange.outcome !== 0) {
      this.#abort?.();
      return false;
    }
    this.#resume = resume;
    exchange.res.writeHead(statusCode, statusText, clientResponseHeadersFromRaw(rawHeaders, exchange.requestId, exchange.edge.closing));
    // Set after writeHead: a head Node refuses to write (it throws, undici reports the error) is
    // still answered with the edge's 502.
    this.#responded = true;
    return true;
  }

  onData(chunk: Buffer): boolean {
    const res = this.exchange.res;
    if (res.write(chunk)) return true;
    res.once('drain', this.#resume!);
    return false;
  }

  onComplete(): void {
    this.#done = true;
    this.exchange.res.end();
  }

  onError(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#stopBody();
    const exchange = this.exchange;
    // An abandoned attempt, or a client that already left (logged as 499 when its response closed).
    if (exchange.upstream !== this || exchange.clientGone || exchange.outcome !== 0) return;
    const { edge, res } = exchange;
    if (this.#responded) {
      // The response had begun: cut the client's too, never end it cleanly, never retry.
      exchange.outcome = 502;
      edge.log(exchange.logEntry('upstream_failed', 502, error));
      res.destroy();
      return;
    }
    const failure = isTimeout(error) ? new UpstreamTimeoutError(edge.upstreamTimeoutMs) : error;
    const retryTarget = retryTargetFor(exchange, failure, errorCode(failure) !== 'ECONNREFUSED');
    if (retryTarget !== undefined) {
      edge.log(exchange.logEntry('retried', 502, failure));
      exchange.target = retryTarget;
      exchange.attempts += 1;
      const retry = new UpstreamCall(exchange);
      exchange.upstream = retry;
      retry.start(retryTarget);
      return;
    }
    exchange.refuse(proxyFailureStatus(failure, false) as RefusalStatus, failure);
  }

  /** The client's body stops flowing upstream; what is left of it stays unread (the refusal closes the connection). */
  #stopBody(): void {
    const body = this.#body;
    if (body === undefined) return;
    this.#body = undefined;
    this.exchange.req.unpipe(body);
  }
}

function isTimeout(error: Error): boolean {
  const code = errorCode(error);
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}
