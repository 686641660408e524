import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Exchange } from './exchange.js';
import type { LoadBalancer } from './load-balancer.js';
import type { Route, RouteTable } from './route-table.js';
import type { TargetPool } from './target-pool.js';

/**
 * One line of the edge's log: what the edge decided when it did not simply proxy, or when
 * proxying failed. Successful requests are not logged here; an access log is the app's or a later
 * middleware's concern, and the hot path should not build an object per request for it.
 */
export interface EdgeLogEntry {
  event: 'refused' | 'retried' | 'upstream_failed' | 'client_gone' | 'client_error' | 'tunnel_failed';
  status: number;
  requestId?: string | undefined;
  hostname?: string | undefined;
  method?: string | undefined;
  path?: string | undefined;
  deploymentId?: string | undefined;
  allocationId?: string | undefined;
  /** The error code (`ECONNREFUSED`, `HPE_INVALID_CHUNK_SIZE`) or message, never a request body. */
  error?: string | undefined;
  /** For a request held while its app woke: how long, from its arrival to this answer. */
  heldMs?: number | undefined;
}

export type EdgeLog = (entry: EdgeLogEntry) => void;

/**
 * What the per-request code shares with the server that owns it: built once by createEdgeServer
 * and handed to every exchange, so a request reaches its dependencies without a closure of its own.
 */
export interface EdgeContext {
  readonly table: RouteTable;
  readonly balancer: LoadBalancer;
  readonly pool: TargetPool;
  readonly maxBodyBytes: number;
  readonly upstreamTimeoutMs: number;
  /** Longest silence allowed while a request body is being received. */
  readonly bodyTimeoutMs: number;
  readonly log: EdgeLog;
  /** Set once close() begins: responses then ask clients to close their connections. */
  closing: boolean;
  /** Requests whose response has not closed yet; close() waits for this to reach zero. */
  inFlight: number;
  /** Open WebSocket tunnels (the client side); close() cuts them first, as they never finish alone. */
  readonly tunnels: Set<Duplex>;
  /** Called when a request's response closes, however it ended. */
  requestEnded(): void;
  /**
   * Sleep and wake, request classes, webhooks and live sessions (traffic/). Absent on an edge
   * without a control plane: a route with no ready target then answers 503 at once.
   */
  readonly traffic: EdgeTraffic | undefined;
}

/** What the proxy hands to the traffic code: the requests it cannot simply forward. */
export interface EdgeTraffic {
  /** Whether any Idempotency-Key is remembered: only then does a keyed request on a hot route go through `handle`. */
  readonly keysHeld: boolean;
  /** A request with no ready target, or on a route whose policy classifies every request. */
  handle(exchange: Exchange, expectContinue: boolean): void;
  /** A WebSocket upgrade to a route with a process: placed (session cookie, resume), pinned, held while the app wakes. */
  upgrade(edge: EdgeContext, req: IncomingMessage, client: Duplex, head: Buffer, route: Route, requestId: string): void;
  /** The route table changed; `isTarget` says which allocations some route still names. */
  routesChanged(isTarget: (allocationId: string) => boolean): void;
  /** Answers what is held, stops timers and reports once more. */
  close(): Promise<void>;
}
