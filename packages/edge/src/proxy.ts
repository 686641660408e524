import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EdgeContext, EdgeLog, EdgeTraffic } from './edge-context.js';
import { writeRawRefusal, type RefusalStatus } from './edge-responses.js';
import { abortForParserError, handleRequest } from './request-handler.js';
import { LoadBalancer } from './load-balancer.js';
import type { RouteTable } from './route-table.js';
import { TargetPool } from './target-pool.js';
import { openTunnel } from './websocket-tunnel.js';

export interface EdgeServerOptions {
  /** The routes to serve. The edge only reads it; whoever feeds it owns it. */
  table: RouteTable;
  /** Largest request body forwarded; a larger declared body is refused before it is read. */
  maxBodyBytes?: number;
  /** Time a client has to send its request headers; a slow-loris client is cut off with 408. */
  headerTimeoutMs?: number;
  /** Time a client has to send its whole request, body included (at least headerTimeoutMs). */
  requestTimeoutMs?: number;
  /**
   * Longest silence while a request body streams in (10 s unless told): a client that stops
   * sending mid-body gets 408 and the upstream request is aborted, long before requestTimeoutMs.
   */
  bodyTimeoutMs?: number;
  /** Largest request head accepted; past it the client gets 431. */
  maxHeaderBytes?: number;
  /** How long an allocation may stay silent before its response begins; past it, 504. */
  upstreamTimeoutMs?: number;
  maxSocketsPerTarget?: number;
  idleSocketTimeoutMs?: number;
  log?: EdgeLog;
  /**
   * Sleep and wake (traffic/TrafficDesk): request classes, holds through a wake, idempotent and
   * webhook requests, live sessions. Without it a route with no ready target answers 503 at once.
   */
  traffic?: EdgeTraffic | undefined;
}

export interface EdgeServer {
  /** Not yet listening: the caller (main.ts, `berth up`, a test) chooses the address. */
  readonly server: Server;
  /**
   * Stops accepting connections, cuts WebSocket tunnels (they never finish on their own), lets
   * requests in flight finish for up to `graceMs`, then closes whatever is left.
   */
  close(graceMs?: number): Promise<void>;
}

const MiB = 1024 * 1024;

/** Builds the edge's HTTP server around a route table. Only the caller listens (STYLE habit 7). */
export function createEdgeServer(options: EdgeServerOptions): EdgeServer {
  const headerTimeoutMs = options.headerTimeoutMs ?? 10_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  if (requestTimeoutMs < headerTimeoutMs) throw new Error('edge: requestTimeoutMs must be at least headerTimeoutMs');
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 30_000;
  const pool = new TargetPool({ maxSocketsPerTarget: options.maxSocketsPerTarget, idleSocketTimeoutMs: options.idleSocketTimeoutMs, upstreamTimeoutMs });
  let drained: (() => void) | undefined;
  const edge: EdgeContext = {
    table: options.table,
    balancer: new LoadBalancer(),
    pool,
    maxBodyBytes: options.maxBodyBytes ?? 10 * MiB,
    upstreamTimeoutMs,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000,
    log: options.log ?? (() => {}),
    closing: false,
    inFlight: 0,
    tunnels: new Set(),
    traffic: options.traffic,
    requestEnded() {
      this.inFlight -= 1;
      if (this.inFlight === 0 && drained !== undefined) drained();
    },
  };

  const server = createServer({
    maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024,
    headersTimeout: headerTimeoutMs,
    requestTimeout: requestTimeoutMs,
    // Node checks these timeouts on a timer (30 s by default), which would let a slow client hold
    // a connection for up to 40 s against a 10 s limit; checking more often keeps the limit honest.
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headerTimeoutMs / 4))),
  });
  server.on('request', (req, res) => handleRequest(edge, req, res, false));
  // Answering Expect: 100-continue here lets a refusal (413, 404, 503) reach a client before it
  // sends the body at all.
  server.on('checkContinue', (req, res) => handleRequest(edge, req, res, true));
  server.on('upgrade', (req, socket, head) => openTunnel(edge, req, socket, head));
  server.on('clientError', (error: Error, socket: Duplex) => answerClientError(edge, error, socket));

  // Once per burst of table changes: connections to allocations that are no longer ready are
  // retired, and allocations that became ready since the last burst get a spare connection, so the
  // first request a swap or a wake sends them does not wait for a handshake (a whole snapshot's
  // allocations get connections as requests need them). The table keeps its bookkeeping as routes
  // change, so a change to one of 10,000 routes costs the pool's few allocations, not a walk over
  // every route.
  let pruneScheduled = false;
  const table = options.table;
  const isReady = (allocationId: string) => table.isReadyAllocation(allocationId);
  const isTarget = (allocationId: string) => table.isTarget(allocationId);
  table.takeNewlyReady();
  const stopWatching = table.onChange(() => {
    if (pruneScheduled) return;
    pruneScheduled = true;
    queueMicrotask(() => {
      pruneScheduled = false;
      pool.retainOnly(isReady);
      pool.warm(table.takeNewlyReady());
      options.traffic?.routesChanged(isTarget);
    });
  });

  let closing: Promise<void> | undefined;
  async function close(graceMs = 10_000): Promise<void> {
    edge.closing = true;
    stopWatching();
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const tunnel of edge.tunnels) tunnel.destroy();
    // Held requests are answered (503, the app is waking) rather than cut.
    await options.traffic?.close();
    if (edge.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    server.closeAllConnections();
    pool.destroy();
    await serverClosed;
  }

  return { server, close: (graceMs) => (closing ??= close(graceMs)) };
}

/**
 * Node's parser refused a request: malformed chunking, Content-Length together with
 * Transfer-Encoding, headers too large, or a client too slow. No upstream call may carry such a
 * request, so an exchange already started for it is stopped before anything else.
 */
function answerClientError(edge: EdgeContext, error: Error, socket: Duplex): void {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const started = abortForParserError(socket as Socket);
  const status = clientErrorStatus(code);
  edge.log({ event: 'client_error', status, requestId: started?.requestId, error: code ?? error.message });
  if (started !== undefined && !started.canAnswer) {
    socket.destroy();
    return;
  }
  writeRawRefusal(socket, status, started?.requestId);
}

function clientErrorStatus(code: string | undefined): RefusalStatus {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}
