import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { EdgeContext } from './edge-context.js';
import { Exchange, exchangeOf, ignoreError, tag } from './exchange.js';
import { requestIdFor } from './forward-headers.js';
import { proxyFailureStatus } from './proxy-errors.js';
import { countBody, forward } from './upstream-attempt.js';

/**
 * Handles one request from the edge's server. Every refusal is decided before the first upstream
 * byte: an unknown host (404), a declared body over the limit (413, the body is never read), and a
 * route with no ready target (503: never another deployment's allocation, DESIGN rule 1).
 */
export function handleRequest(edge: EdgeContext, req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
  const headers = req.headers;
  const exchange = new Exchange(edge, req, res, requestIdFor(headers['x-request-id']));
  edge.inFlight += 1;
  tag(res, exchange);
  tag(req, exchange);
  // The parser's error handler finds the exchange through the socket, to stop the upstream call.
  tag(req.socket, exchange);
  res.on('close', onClientClose);
  req.on('error', ignoreError);

  const route = edge.table.lookup(headers.host);
  if (route === undefined) return exchange.refuse(404);
  exchange.route = route;
  const length = headers['content-length'];
  if (length !== undefined && Number(length) > edge.maxBodyBytes) return exchange.refuse(413);
  const target = edge.balancer.pick(route, headers.cookie);
  if (target === undefined) return exchange.refuse(503);

  exchange.hasBody = length !== undefined ? length !== '0' : headers['transfer-encoding'] !== undefined;
  // A declared length was checked above and Node's parser holds the client to it; only a chunked
  // body can grow, so only a chunked body is counted as it streams.
  if (exchange.hasBody && length === undefined) req.on('data', countBody);
  if (expectContinue) res.writeContinue();
  forward(exchange, target);
}

/** The response closed: the request is over, and if it had not finished, the client went away. */
function onClientClose(this: ServerResponse): void {
  const exchange = exchangeOf(this);
  if (exchange === undefined) return;
  tag(this, undefined);
  if (exchangeOf(exchange.req.socket) === exchange) tag(exchange.req.socket, undefined);
  exchange.edge.requestEnded();
  if (this.writableFinished) return;
  exchange.clientGone = true;
  const upstream = exchange.upstream;
  if (upstream !== undefined && exchange.upstreamResponse?.complete !== true) upstream.destroy();
  if (exchange.outcome === 0) exchange.edge.log(exchange.logEntry('client_gone', proxyFailureStatus(undefined, true)));
}

/**
 * Node's parser refused the rest of a request it had already announced (a malformed chunk in the
 * body). Stops the upstream attempt at once, while its request is still buffered in the client
 * and not on the wire, and tells the caller whether a plain 400 can still be written.
 */
export function abortForParserError(socket: Socket): { requestId: string; canAnswer: boolean } | undefined {
  const exchange = exchangeOf(socket);
  // A finished exchange whose close event has not run yet is not the request the parser refused.
  if (exchange === undefined || exchange.res.writableFinished) return undefined;
  exchange.outcome = 400;
  exchange.upstream?.destroy();
  return { requestId: exchange.requestId, canAnswer: !exchange.res.headersSent };
}
