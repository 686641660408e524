import type { IncomingMessage } from 'node:http';
import { exchangeOf, type Exchange } from './exchange.js';
import { countBody, forward, stopUpstream } from './upstream-attempt.js';

/**
 * Sends the exchange's request to a ready allocation of its route, or refuses it: a declared body
 * over the limit (413, never read) or no ready target (503: never another deployment's allocation,
 * DESIGN rule 1). Used by the request handler for every plain request, and by the traffic code for
 * a request it held through a wake or checked first.
 */
export function proxyToTarget(exchange: Exchange, expectContinue: boolean): void {
  const { edge, req, res } = exchange;
  const route = exchange.route!;
  const headers = req.headers;
  const length = headers['content-length'];
  if (length !== undefined && Number(length) > edge.maxBodyBytes) return exchange.refuse(413);
  const target = edge.balancer.pick(route, headers.cookie);
  if (target === undefined) return exchange.refuse(503);

  if (exchange.body !== undefined) {
    // Read whole before (held through a wake, or a webhook checked first): sent from memory.
    exchange.hasBody = exchange.body.length > 0;
    return forward(exchange, target);
  }
  exchange.hasBody = length !== undefined ? length !== '0' : headers['transfer-encoding'] !== undefined;
  // A declared length was checked above and Node's parser holds the client to it; only a chunked
  // body can grow, so only a chunked body is counted as it streams.
  if (exchange.hasBody && length === undefined) req.on('data', countBody);
  if (exchange.hasBody) {
    // A client that stops sending its body mid-way is cut off after the body timeout of silence,
    // rather than holding a connection (and an upstream request) open for the whole request timeout.
    req.setTimeout(edge.bodyTimeoutMs, onBodyStalled);
    req.on('end', onBodyEnd);
  }
  if (expectContinue) res.writeContinue();
  forward(exchange, target);
}

function onBodyStalled(this: IncomingMessage): void {
  const exchange = exchangeOf(this);
  if (exchange === undefined || this.complete || exchange.outcome !== 0 || exchange.clientGone) return;
  exchange.refuse(408, 'request body stalled');
  stopUpstream(exchange);
  if (exchange.res.headersSent) this.socket.destroy();
}

/** The body arrived whole: its silence timer is lifted (the keep-alive timeout takes over once the response ends). */
function onBodyEnd(this: IncomingMessage): void {
  const exchange = exchangeOf(this);
  if (exchange !== undefined && !exchange.res.writableFinished) this.socket.setTimeout(0);
}
