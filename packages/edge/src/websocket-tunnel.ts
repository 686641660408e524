import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EdgeContext } from './edge-context.js';
import { refusalFor, writeRawRefusal, type RefusalCode, type RefusalDetail, type RefusalStatus } from './edge-responses.js';
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
  if (route === undefined) return refuseTunnel(edge, req, client, edge.table.awaitingFirstSnapshot ? 'edge_not_synced' : 'host_not_found', requestId, undefined, undefined);
  if (route.failedClosed === true) return refuseTunnel(edge, req, client, 'route_unverified', requestId, route, undefined);
  if (edge.traffic !== undefined && route.hasProcess !== false && !edge.closing) return edge.traffic.upgrade(edge, req, client, head, route, requestId);
  const target = edge.closing ? undefined : edge.balancer.pick(route, req.headers.cookie);
  if (target === undefined) return refuseTunnel(edge, req, client, 503, requestId, route, undefined);
  new Tunnel(edge, req, client, head, requestId, route, target).open();
}

export function refuseTunnel(edge: EdgeContext, req: IncomingMessage, client: Duplex, what: RefusalCode | RefusalStatus | 499, requestId: string, route: Route | undefined, target: Target | undefined, error?: unknown, detail?: RefusalDetail): void {
  const status = what === 499 ? 499 : refusalFor(what).status;
  edge.log({
    event: 'tunnel_failed', status, requestId, hostname: route?.hostname ?? req.headers.host, method: req.method, path: req.url,
    deploymentId: route?.deploymentId, allocationId: target?.allocationId, error: error === undefined ? undefined : (errorCode(error) ?? String(error)),
  });
  if (what !== 499) writeRawRefusal(client, what, requestId, detail);
}

/**
 * What a placed live session adds to a plain tunnel (traffic/live-upgrade.ts): headers for the
 * allocation's handshake, a Set-Cookie for the client's 101, and who is told when it opens and
 * closes (the drain and the activity report).
 */
export interface TunnelSession {
  readonly headers: readonly string[];
  readonly setCookie: string;
  opened(tunnel: Tunnel): void;
  closed(tunnel: Tunnel): void;
}

export class Tunnel {
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
    readonly session?: TunnelSession,
  ) {
    this.#upstream = connect({ host: target.host, port: target.port, noDelay: true });
  }

  /** Cuts the tunnel both ways (the edge closing, or a drain deadline). */
  close(): void {
    this.#close();
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
    upstream.write(handshake(this.req, this.requestId, this.session?.headers));
    if (this.head.length > 0) upstream.write(this.head);
    this.session?.opened(this);
    this.client.pipe(upstream);
    // Whatever the app answers (101, or a refusal of its own) goes back to the client unchanged,
    // but for the session cookie a placed session adds to a 101.
    if (this.session === undefined) upstream.pipe(this.client);
    else addHeaderTo101(upstream, this.client, `Set-Cookie: ${this.session.setCookie}\r\n`, () => this.#close());
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
    if (this.#connected) this.session?.closed(this);
    this.edge.tunnels.delete(this.client);
    this.client.destroy();
    this.#upstream.destroy();
  }
}

/** The client's upgrade request, rewritten for the allocation: same line, forwarded headers added. */
function handshake(req: IncomingMessage, requestId: string, extra: readonly string[] | undefined): string {
  const headers = upstreamRequestHeaders(req, requestId, true);
  if (extra !== undefined) headers.push(...extra);
  let text = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${text}\r\n`;
}

/** Largest response head read while looking for its end; an app's 101 is a few hundred bytes. */
const maxHeadBytes = 16 * 1024;

/**
 * Copies the allocation's answer to the client, adding `header` (a full `Name: value\r\n` line) to
 * its head when it is a 101: the head is read up to its blank line, rewritten once, and from there
 * the sockets are piped as usual. Any other answer passes unchanged.
 */
function addHeaderTo101(upstream: Socket, client: Duplex, header: string, fail: () => void): void {
  let head: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) {
      if (head.length > maxHeadBytes) fail();
      return;
    }
    upstream.off('data', onData);
    upstream.pause();
    const is101 = head.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101');
    client.write(is101 ? Buffer.concat([head.subarray(0, end + 2), Buffer.from(header, 'latin1'), head.subarray(end + 2)]) : head);
    upstream.pipe(client);
  };
  upstream.on('data', onData);
}
