import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EdgeContext } from './edge-context.js';
import { writeRawRefusal, type RefusalStatus } from './edge-responses.js';
import { requestIdFor, upstreamRequestHeaders } from './forward-headers.js';
import { UpstreamTimeoutError, errorCode, proxyFailureStatus } from './proxy-errors.js';
import type { Route, Target } from './route-table.js';

/**
 * A WebSocket (any HTTP upgrade) through the edge: the handshake is replayed to one allocation over
 * a fresh TCP connection, then the two sockets are piped byte for byte. The tunnel is pinned to
 * that allocation for its whole life (the `live` request class in DESIGN): a table change moves
 * new connections, never an open one. Upgrades are rare next to requests, so this path may use
 * plain closures.
 */
export function openTunnel(edge: EdgeContext, req: IncomingMessage, client: Duplex, head: Buffer): void {
  client.on('error', () => client.destroy());
  const requestId = requestIdFor(req.headers['x-request-id']);
  const route = edge.table.lookup(req.headers.host);
  if (route === undefined) return refuseTunnel(edge, req, client, 404, requestId, undefined, undefined);
  const target = edge.closing ? undefined : edge.balancer.pick(route, req.headers.cookie);
  if (target === undefined) return refuseTunnel(edge, req, client, 503, requestId, route, undefined);
  new Tunnel(edge, req, client, head, requestId, route, target).open();
}

function refuseTunnel(edge: EdgeContext, req: IncomingMessage, client: Duplex, status: RefusalStatus | 499, requestId: string, route: Route | undefined, target: Target | undefined, error?: unknown): void {
  edge.log({
    event: 'tunnel_failed', status, requestId, hostname: route?.hostname ?? req.headers.host, method: req.method, path: req.url,
    deploymentId: route?.deploymentId, allocationId: target?.allocationId, error: error === undefined ? undefined : (errorCode(error) ?? String(error)),
  });
  if (status !== 499) writeRawRefusal(client, status, requestId);
}

class Tunnel {
  readonly #upstream: Socket;
  #connected = false;
  #closed = false;

  constructor(
    readonly edge: EdgeContext,
    readonly req: IncomingMessage,
    readonly client: Duplex,
    readonly head: Buffer,
    readonly requestId: string,
    readonly route: Route,
    readonly target: Target,
  ) {
    this.#upstream = connect({ host: target.host, port: target.port, noDelay: true });
  }

  open(): void {
    const { edge, client } = this;
    const upstream = this.#upstream;
    edge.tunnels.add(client);
    // Guards the connect only: once open, a WebSocket may stay silent for as long as its app likes.
    upstream.setTimeout(edge.upstreamTimeoutMs, () => upstream.destroy(new UpstreamTimeoutError(edge.upstreamTimeoutMs)));
    upstream.once('connect', () => this.#onConnect());
    upstream.on('error', (error) => this.#onUpstreamError(error));
    upstream.on('close', () => this.#close());
    client.on('close', () => this.#close());
  }

  #onConnect(): void {
    const upstream = this.#upstream;
    this.#connected = true;
    upstream.setTimeout(0);
    upstream.write(handshake(this.req, this.requestId));
    if (this.head.length > 0) upstream.write(this.head);
    // Whatever the app answers (101, or a refusal of its own) goes back to the client unchanged.
    this.client.pipe(upstream);
    upstream.pipe(this.client);
  }

  #onUpstreamError(error: Error): void {
    if (this.#connected) {
      this.#close();
      return;
    }
    // Not connected yet: the client still waits for a handshake answer, so it gets the edge's.
    const status = proxyFailureStatus(error, this.client.destroyed);
    refuseTunnel(this.edge, this.req, this.client, status, this.requestId, this.route, this.target, error);
    this.#closed = true;
    this.edge.tunnels.delete(this.client);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.edge.tunnels.delete(this.client);
    this.client.destroy();
    this.#upstream.destroy();
  }
}

/** The client's upgrade request, rewritten for the allocation: same line, forwarded headers added. */
function handshake(req: IncomingMessage, requestId: string): string {
  const headers = upstreamRequestHeaders(req, requestId, true);
  let text = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${text}\r\n`;
}
