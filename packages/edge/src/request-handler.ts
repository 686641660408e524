import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { EdgeContext } from './edge-context.js';
import { Exchange, exchangeOf, ignoreError, tag } from './exchange.js';
import { requestIdFor } from './forward-headers.js';
import { proxyFailureStatus } from './proxy-errors.js';
import { proxyToTarget } from './proxy-request.js';
import { serveAsset } from './assets/asset-request.js';

/**
 * Handles one request from the edge's server. Every refusal is decided before the first upstream
 * byte: an unknown host (404, or 503 before the first snapshot), a route failed closed after a
 * feed gap (503), a declared body over the limit (413, the body is never read), and a route with no
 * ready target (503, or held while the app wakes: traffic/). A file of the route's asset manifest is
 * answered by the edge and never reaches an allocation, nor wakes one.
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
  if (route === undefined) return exchange.refuse(edge.table.awaitingFirstSnapshot ? 'edge_not_synced' : 'host_not_found');
  exchange.route = route;
  if (route.failedClosed === true) return exchange.refuse('route_unverified');
  // One string prefix test, and only for routes that serve assets: the proxy path pays nothing.
  const assets = route.assets;
  if (assets != null && req.url!.startsWith(assets.prefix) && serveAsset(exchange, assets, expectContinue, proxyRequest)) return;
  proxyRequest(exchange, expectContinue);
}

/**
 * The request is not an asset (assets are not activity: they never wake the app, nor keep it
 * awake). With a ready target and nothing in the route's policy to check
 * first, it is proxied at once: the hot path. Otherwise (no ready target, a policy with webhooks,
 * an Idempotency-Key the edge may have seen) the traffic code classifies it (traffic/).
 */
function proxyRequest(exchange: Exchange, expectContinue: boolean): void {
  const route = exchange.route!;
  if (route.hasProcess === false) return exchange.refuse('asset_not_found');
  // A request for the app (not an asset) is activity: it keeps the app awake while in flight.
  const activity = route.activity;
  if (activity !== undefined) {
    activity.requests += 1;
    activity.inFlight += 1;
    exchange.activity = activity;
  }
  const traffic = exchange.edge.traffic;
  if (traffic !== undefined && (route.targets.length === 0 || route.classifyWhenHot === true || (traffic.keysHeld && exchange.req.headers['idempotency-key'] !== undefined))) {
    return traffic.handle(exchange, expectContinue);
  }
  proxyToTarget(exchange, expectContinue);
}

/** The response closed: the request is over, and if it had not finished, the client went away. */
function onClientClose(this: ServerResponse): void {
  const exchange = exchangeOf(this);
  if (exchange === undefined) return;
  tag(this, undefined);
  if (exchangeOf(exchange.req.socket) === exchange) tag(exchange.req.socket, undefined);
  exchange.edge.requestEnded();
  if (exchange.activity !== undefined) exchange.activity.inFlight -= 1;
  if (this.writableFinished) return;
  exchange.hold?.cancel();
  exchange.clientGone = true;
  const upstream = exchange.upstream;
  if (upstream !== undefined && exchange.upstreamResponse?.complete !== true && exchange.observer?.outlivesClient !== true) upstream.destroy();
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
