import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { RefusalStatus } from './edge-responses.js';
import { exchangeOf, ignoreError, tag, type Exchange } from './exchange.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';
import { BodyTooLargeError, UpstreamTimeoutError, proxyFailureStatus } from './proxy-errors.js';
import type { Target } from './route-table.js';
import { UpstreamCall } from './upstream-call.js';
import { retryTargetFor } from './upstream-retry.js';

/**
 * Sends the exchange's request to one target, streaming its body, and relays what comes back.
 * Over the target's undici Pool (upstream-call.ts), unless an observer follows the attempt: the
 * idempotency record and the webhook event log listen to Node's ClientRequest and IncomingMessage,
 * so those few requests go through Node's http client over the target's Agent (below).
 */
export function forward(exchange: Exchange, target: Target): void {
  const { req } = exchange;
  exchange.target = target;
  exchange.attempts += 1;
  if (exchange.observer === undefined) {
    exchange.upstreamHeaders ??= upstreamRequestHeaders(req, exchange.requestId);
    const call = new UpstreamCall(exchange);
    exchange.upstream = call;
    call.start(target);
    return;
  }
  if (exchange.upstreamHeaders === undefined) {
    exchange.upstreamHeaders = upstreamRequestHeaders(req, exchange.requestId);
    // A body without Content-Length was chunked by the client; say so again, or Node would send a
    // GET or DELETE body unframed and the allocation would read it as the next request.
    const transferEncoding = req.headers['transfer-encoding'];
    if (transferEncoding !== undefined) exchange.upstreamHeaders.push('Transfer-Encoding', transferEncoding);
  }
  forwardThroughAgent(exchange, target);
}

function forwardThroughAgent(exchange: Exchange, target: Target): void {
  const { edge, req } = exchange;
  const upstream = request({
    host: target.host,
    port: target.port,
    method: req.method,
    path: req.url,
    // The list carries the Host the route was chosen by; Node must not add its own.
    headers: exchange.upstreamHeaders,
    setHost: false,
    agent: edge.pool.agentFor(target),
    timeout: edge.upstreamTimeoutMs,
  });
  tag(upstream, exchange);
  exchange.upstream = upstream;
  exchange.observer?.sent(exchange, upstream);
  upstream.on('response', onUpstreamResponse);
  upstream.on('error', onUpstreamError);
  upstream.on('timeout', onUpstreamTimeout);
  // Streams the body as it arrives, with backpressure both ways; nothing is buffered whole, except
  // a body the edge had to read first (a request held through a wake, a verified webhook).
  if (exchange.body !== undefined) upstream.end(exchange.body);
  else if (exchange.hasBody) req.pipe(upstream);
  else upstream.end();
}

function onUpstreamResponse(this: ClientRequest, response: IncomingMessage): void {
  const exchange = exchangeOf(this);
  if (exchange !== undefined && exchange.clientGone && exchange.upstream === this && exchange.observer?.outlivesClient === true) {
    // Nobody reads this answer, but it is kept (an idempotent request's): read it to its end.
    this.setTimeout(0);
    exchange.upstreamResponse = response;
    exchange.observer.response(exchange, response);
    response.on('error', ignoreError);
    response.resume();
    return;
  }
  if (exchange === undefined || exchange.upstream !== this || exchange.clientGone || exchange.outcome !== 0) {
    this.destroy();
    return;
  }
  // The response has begun: from here a slow stream (server-sent events, a long download) is the
  // app's business, so the upstream timeout that guards the wait for it is lifted.
  this.setTimeout(0);
  exchange.upstreamResponse = response;
  const res = exchange.res;
  res.writeHead(response.statusCode ?? 502, response.statusMessage, clientResponseHeaders(response, exchange.requestId, exchange.edge.closing));
  tag(response, exchange);
  exchange.observer?.response(exchange, response);
  response.on('error', ignoreError);
  response.on('close', onUpstreamResponseClose);
  response.pipe(res);
}

/** An upstream response that closes before it completed was cut: cut the client's too, never end it cleanly. */
function onUpstreamResponseClose(this: IncomingMessage): void {
  if (this.complete) return;
  const exchange = exchangeOf(this);
  if (exchange === undefined || exchange.clientGone) return;
  exchange.outcome = 502;
  exchange.edge.log(exchange.logEntry('upstream_failed', 502, 'response cut mid-body'));
  exchange.res.destroy();
}

function onUpstreamTimeout(this: ClientRequest): void {
  const exchange = exchangeOf(this);
  this.destroy(new UpstreamTimeoutError(exchange?.edge.upstreamTimeoutMs ?? 0));
}

function onUpstreamError(this: ClientRequest, error: Error): void {
  const exchange = exchangeOf(this);
  // An abandoned attempt, or a client that already left (logged as 499 when its response closed).
  if (exchange === undefined || exchange.upstream !== this || exchange.clientGone || exchange.outcome !== 0) return;
  if (exchange.upstreamResponse !== undefined) {
    exchange.outcome = 502;
    exchange.edge.log(exchange.logEntry('upstream_failed', 502, error));
    exchange.res.destroy();
    return;
  }
  const retryTarget = retryTargetFor(exchange, error, this.reusedSocket);
  if (retryTarget !== undefined) {
    exchange.edge.log(exchange.logEntry('retried', 502, error));
    forward(exchange, retryTarget);
    return;
  }
  if (exchange.hasBody && exchange.body === undefined) exchange.req.unpipe(this);
  exchange.refuse(proxyFailureStatus(error, false) as RefusalStatus, error);
}

/** Counts a chunked body as it streams and cuts it off past the limit: 413, upstream aborted. */
export function countBody(this: IncomingMessage, chunk: Buffer): void {
  const exchange = exchangeOf(this);
  if (exchange === undefined) return;
  exchange.bodyBytes += chunk.length;
  if (exchange.bodyBytes <= exchange.edge.maxBodyBytes) return;
  this.removeListener('data', countBody);
  stopUpstream(exchange, new BodyTooLargeError(exchange.edge.maxBodyBytes));
}

/** Stops the exchange's upstream attempt, and the client's body flowing into it; `error` says why. */
export function stopUpstream(exchange: Exchange, error?: Error): void {
  const upstream = exchange.upstream;
  if (upstream === undefined) return;
  if (!(upstream instanceof UpstreamCall)) exchange.req.unpipe(upstream);
  upstream.destroy(error);
}
