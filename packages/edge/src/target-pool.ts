import { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import { Pool, buildConnector } from 'undici';
import type { Target } from './route-table.js';
import { SpareConnections } from './spare-connections.js';

export interface TargetPoolOptions {
  /**
   * Connections open at once to one allocation. Past it, requests wait in the agent's queue rather
   * than opening more: an app instance is sized for a bounded concurrency, and a stampede should
   * queue at the edge, not exhaust the allocation's file descriptors.
   */
  maxSocketsPerTarget?: number;
  /**
   * How long an idle kept-alive connection waits for reuse before the edge closes it. Below
   * Node's default server keep-alive (5 s) so the edge, not the app, closes first: reusing a socket
   * the app is closing at the same moment is the classic cause of spurious resets.
   */
  idleSocketTimeoutMs?: number;
  /**
   * How long an allocation may take to accept a connection, and then to begin its response
   * (silence while a request body is still being written does not count).
   */
  upstreamTimeoutMs?: number;
}

/**
 * An agent that stops keeping sockets once its allocation has left every route: requests already
 * running on it finish normally, and each socket is closed as it is released instead of pooled.
 */
class TargetAgent extends Agent {
  retired = false;

  override keepSocketAlive(socket: Duplex): boolean {
    if (this.retired) return false;
    return super.keepSocketAlive(socket) as unknown as boolean;
  }
}

/**
 * Keep-alive connections per target allocation, reused across requests so the hot path does not
 * pay a TCP handshake per request. Keyed by allocation id: an allocation's address never changes,
 * and the id is already a string on the target, so the lookup allocates nothing.
 *
 * Two clients per allocation, each made on first use: an undici Pool for every proxied request
 * (the hot path: it costs about a third less CPU per request than `http.request` over an Agent),
 * and a Node Agent for the requests whose attempt an observer follows through Node's
 * ClientRequest and IncomingMessage (an idempotency record, a webhook event); those are rare.
 *
 * Allocations the route feed announced as ready but no route names yet (a promotion's new
 * production allocations before the swap) or any more (the previous owner until it drains) keep
 * their pool, and a newly ready one gets a spare connection (`warm`): the first request after a
 * swap or a wake finds a connection open rather than making one.
 */
export class TargetPool {
  readonly #agents = new Map<string, TargetAgent>();
  readonly #pools = new Map<string, Pool>();
  readonly #maxSockets: number;
  readonly #idleTimeoutMs: number;
  readonly #upstreamTimeoutMs: number;
  readonly #connect: buildConnector.connector;
  readonly #spares: SpareConnections;

  constructor(options: TargetPoolOptions = {}) {
    this.#maxSockets = options.maxSocketsPerTarget ?? 256;
    this.#idleTimeoutMs = options.idleSocketTimeoutMs ?? 4_000;
    this.#upstreamTimeoutMs = options.upstreamTimeoutMs ?? 30_000;
    this.#connect = buildConnector({ timeout: this.#upstreamTimeoutMs });
    this.#spares = new SpareConnections({ connect: this.#connect, lifetimeMs: this.#idleTimeoutMs, max: 64 });
  }

  /** Spare connections open or opening (see `warm`). */
  get spareCount(): number {
    return this.#spares.size;
  }

  /**
   * Opens a spare connection to each of `targets` that has no connection yet. Called with the
   * allocations that became ready since the last table change, never with a whole snapshot's: at
   * most 64 spares are open at once.
   */
  warm(targets: Iterable<Target>): void {
    for (const target of targets) {
      const pool = this.#pools.get(target.allocationId);
      if (pool !== undefined && pool.stats.connected > 0) continue;
      this.#spares.open(target.allocationId, connectOptions(target));
    }
  }

  poolFor(target: Target): Pool {
    let pool = this.#pools.get(target.allocationId);
    if (pool === undefined) {
      const allocationId = target.allocationId;
      pool = new Pool(origin(target), {
        connections: this.#maxSockets,
        pipelining: 1,
        keepAliveTimeout: this.#idleTimeoutMs,
        keepAliveMaxTimeout: this.#idleTimeoutMs,
        // The wait for the response head is the upstream timeout; once the response has begun, a
        // slow stream (server-sent events, a long download) is the app's business.
        headersTimeout: this.#upstreamTimeoutMs,
        bodyTimeout: 0,
        // The pool's first connection is the allocation's spare when it has one (see `warm`).
        connect: (options, callback) => {
          if (!this.#spares.take(allocationId, callback)) this.#connect(options, callback);
        },
        // The edge forwards what Node's parser accepted; the app's limits are the app's.
        maxHeaderSize: 64 * 1024,
      });
      this.#pools.set(target.allocationId, pool);
    }
    return pool;
  }

  agentFor(target: Target): Agent {
    let agent = this.#agents.get(target.allocationId);
    if (agent === undefined) {
      agent = new TargetAgent({
        keepAlive: true,
        maxSockets: this.#maxSockets,
        maxFreeSockets: Math.min(this.#maxSockets, 64),
        // Agent `timeout` closes sockets idle in the free list; an active request's own timeout is
        // set per request by the proxy.
        timeout: this.#idleTimeoutMs,
        // Reusing the most recently used socket keeps a few connections warm and lets the rest
        // reach the idle timeout, instead of touching every socket in turn.
        scheduling: 'lifo',
      });
      this.#agents.set(target.allocationId, agent);
    }
    return agent;
  }

  /** Number of allocations the pool holds an agent for. */
  get size(): number {
    const ids = new Set([...this.#agents.keys(), ...this.#pools.keys()]);
    return ids.size;
  }

  /**
   * Retires the agents of allocations that are no longer ready (named by no route, and not known
   * to the feed as ready): idle sockets close now, sockets serving a request close once it ends.
   * Never cuts a request in flight; a drain decides when that may happen, not a table change.
   */
  retainOnly(isLive: (allocationId: string) => boolean): void {
    for (const [allocationId, agent] of this.#agents) {
      if (isLive(allocationId)) continue;
      this.#agents.delete(allocationId);
      retire(agent);
    }
    for (const [allocationId, pool] of this.#pools) {
      if (isLive(allocationId)) continue;
      this.#pools.delete(allocationId);
      // Closes idle connections now and the rest once their requests end.
      pool.close().catch(() => {});
    }
    this.#spares.retainOnly(isLive);
  }

  /** Closes every connection, in use or not: for shutdown, after in-flight requests had their grace. */
  destroy(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
    for (const pool of this.#pools.values()) pool.destroy().catch(() => {});
    this.#pools.clear();
    this.#spares.closeAll();
  }
}

function origin(target: Target): string {
  return `http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

function connectOptions(target: Target): buildConnector.Options {
  return { protocol: 'http:', hostname: target.host, host: `${target.host}:${target.port}`, port: String(target.port) };
}

function retire(agent: TargetAgent): void {
  agent.retired = true;
  for (const sockets of Object.values(agent.freeSockets)) {
    for (const socket of sockets ?? []) socket.destroy();
  }
}
