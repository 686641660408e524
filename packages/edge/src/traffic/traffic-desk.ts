import { classifyRequest, trafficMatcher, trafficPolicyFormat, type RequestClassification, type TrafficMatcher } from '@berth/core';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { ActivityReporter } from '../activity/activity-reporter.js';
import type { EdgeContext, EdgeTraffic } from '../edge-context.js';
import type { Exchange } from '../exchange.js';
import { IdempotencyStore } from '../idempotency/idempotency-store.js';
import { LiveSessions } from '../live/live-sessions.js';
import { proxyToTarget } from '../proxy-request.js';
import { defaultDrainDeadlineMs, defaultWakeBudgetMs, type Route, type RouteTable } from '../route-table.js';
import { WakeCoordinator } from '../wake/wake-coordinator.js';
import { WakeHolds, type Hold, type HoldHandle } from '../wake/wake-holds.js';
import { WebhookEvents } from '../webhooks/webhook-events.js';
import { WebhookKeys } from '../webhooks/webhook-keys.js';
import type { EdgeControlPlane, WakeRequestClass, WakeTrigger } from './edge-control-plane.js';
import { holdExchange } from './hold-exchange.js';
import { handleUpgrade } from './live-upgrade.js';
import { handleUnsafe } from './unsafe-request.js';
import { handleWebhook } from './webhook-request.js';

const MiB = 1024 * 1024;

export interface TrafficOptions {
  controlPlane: EdgeControlPlane;
  /** Idempotency records and processed webhook event ids live under it, so a restart keeps them. */
  dataDir: string;
  table: RouteTable;
  log?: ((line: string) => void) | undefined;
  /** Requests held at once while apps wake (10,000 unless told). */
  maxHeldRequests?: number | undefined;
  /** Body bytes held at once (64 MiB unless told). */
  maxHeldBytes?: number | undefined;
  /** Largest body an unsafe request may have to be held, and a webhook to be verified (1 MiB unless told). */
  holdBodyLimitBytes?: number | undefined;
  /** How long an Idempotency-Key is remembered (24 h unless told). */
  idempotencyTtlMs?: number | undefined;
  /** Largest response body kept for replay under a key (1 MiB unless told). */
  maxReplayBodyBytes?: number | undefined;
  /** Between two reads of a wake's state while requests are held (500 ms unless told). */
  wakePollMs?: number | undefined;
  /** Between two activity reports (5 s unless told). */
  activityReportMs?: number | undefined;
  /** How long webhook secrets are cached (30 s unless told). */
  secretsTtlMs?: number | undefined;
  /** How long processed webhook event ids are remembered (7 days unless told). */
  webhookEventRetentionMs?: number | undefined;
}

/** Classes by method alone, for routes whose feed carries no traffic policy. */
const methodOnly: TrafficMatcher = trafficMatcher({ format: trafficPolicyFormat, assetsPrefix: null, routes: [], webhooks: [], live: null });

/**
 * Sleep and wake at the edge: the request classes of DESIGN.md "Requests at the edge" and what
 * each does while its app is hot or cold. It owns the held requests and the wake calls, the
 * Idempotency-Keys, the webhook secrets and processed event ids, the live sessions and their
 * drain, and the activity report. The proxy hands it only what it cannot simply forward.
 */
export class TrafficDesk implements EdgeTraffic {
  readonly table: RouteTable;
  readonly log: (line: string) => void;
  readonly holds: WakeHolds;
  readonly wakes: WakeCoordinator;
  readonly idempotency: IdempotencyStore;
  readonly webhookKeys: WebhookKeys;
  readonly webhookEvents: WebhookEvents;
  readonly sessions: LiveSessions;
  readonly activity: ActivityReporter;
  readonly holdBodyLimitBytes: number;
  readonly maxReplayBodyBytes: number;
  readonly defaultWakeBudgetMs = defaultWakeBudgetMs;
  readonly defaultDrainDeadlineMs = defaultDrainDeadlineMs;
  #closed = false;

  /** Builds the desk and reads what the data dir keeps (idempotency records, processed event ids). */
  static async open(options: TrafficOptions): Promise<TrafficDesk> {
    const desk = new TrafficDesk(options);
    await desk.idempotency.load();
    await desk.webhookEvents.load();
    desk.activity.start();
    return desk;
  }

  private constructor(options: TrafficOptions) {
    const log = options.log ?? (() => {});
    this.table = options.table;
    this.log = log;
    this.holdBodyLimitBytes = options.holdBodyLimitBytes ?? MiB;
    this.maxReplayBodyBytes = options.maxReplayBodyBytes ?? MiB;
    this.holds = new WakeHolds({ table: options.table, maxHeldRequests: options.maxHeldRequests, maxHeldBytes: options.maxHeldBytes });
    this.wakes = new WakeCoordinator({ controlPlane: options.controlPlane, holds: this.holds, pollMs: options.wakePollMs, log });
    this.idempotency = new IdempotencyStore({ dir: join(options.dataDir, 'idempotency'), ttlMs: options.idempotencyTtlMs, log });
    this.webhookKeys = new WebhookKeys({ controlPlane: options.controlPlane, ttlMs: options.secretsTtlMs, maxBodyBytes: this.holdBodyLimitBytes, log });
    this.webhookEvents = new WebhookEvents({ dir: join(options.dataDir, 'webhook-events'), retentionMs: options.webhookEventRetentionMs, log });
    this.sessions = new LiveSessions({ log, changed: () => this.activity.nudge() });
    this.activity = new ActivityReporter({
      controlPlane: options.controlPlane, registry: options.table.activity, sessions: this.sessions, intervalMs: options.activityReportMs, log,
      knownEnvironments: () => new Set([...options.table.routes()].map((route) => route.environmentId)),
    });
  }

  get keysHeld(): boolean {
    return this.idempotency.size > 0;
  }

  classify(route: Route, req: IncomingMessage): RequestClassification {
    return classifyRequest(route.matcher ?? methodOnly, req.method ?? '', req.url ?? '', req.headers);
  }

  handle(exchange: Exchange, expectContinue: boolean): void {
    const arrivedAt = Date.now();
    const route = exchange.route!;
    const classified = this.classify(route, exchange.req);
    const request = classified.class === 'asset' ? classified.otherwise : classified;
    if ('pathProblem' in request && request.pathProblem?.kind === 'malformed') {
      return exchange.refuse('request_path_malformed', undefined, undefined, { message: request.pathProblem.message });
    }
    if (request.class === 'webhook') return handleWebhook(this, exchange, request.webhook, expectContinue);
    if (request.class === 'unsafe') return handleUnsafe(this, exchange, expectContinue, arrivedAt);
    // Safe (a `live` class here is an upgrade Node did not hand over as one: served as a request).
    if (route.targets.length > 0) return proxyToTarget(exchange, expectContinue);
    if (route.sleeps === false) return exchange.refuse(503);
    holdExchange(this, exchange, arrivedAt, 0, (ready) => proxyToTarget(ready, expectContinue));
    if (exchange.hold !== undefined) this.wake(route, 'safe', this.trigger(exchange.req, {}));
  }

  upgrade(edge: EdgeContext, req: IncomingMessage, client: Duplex, head: Buffer, route: Route, requestId: string): void {
    handleUpgrade(this, edge, req, client, head, route, requestId);
  }

  /**
   * Holds until the route has a ready target. Answers at once when it has one already ('released':
   * `hold.release` has run), or when the edge holds all it may ('full': nothing ran).
   */
  hold(hold: Hold, deadline: number): HoldHandle | 'full' | 'released' {
    // A closing edge holds nothing more: it could not release it.
    if (this.#closed) return 'full';
    const now = this.table.lookup(hold.hostname);
    if (now === undefined || now.failedClosed === true || now.targets.length > 0 || now.hasProcess === false) {
      hold.release(now);
      return 'released';
    }
    return this.holds.add(hold, deadline) ?? 'full';
  }

  /** Asks for the route's environment's wake (coalesced; `evidence` always calls). */
  wake(route: Route, requestClass: WakeRequestClass, trigger: WakeTrigger, evidence = false): void {
    this.wakes.request(route.environmentId, route.hostname, requestClass, trigger, route.wakeBudgetMs ?? defaultWakeBudgetMs, evidence);
  }

  /** What the control plane is told about a request that asked for a wake: method and path, never values. */
  trigger(req: IncomingMessage, extra: Omit<WakeTrigger, 'method' | 'path'>): WakeTrigger {
    const method = req.method !== undefined && /^[A-Z]{1,16}$/.test(req.method) ? req.method : 'OTHER';
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = (query === -1 ? url : url.slice(0, query)).slice(0, 2048) || '/';
    return { method, path, ...extra };
  }

  routesChanged(isTarget: (allocationId: string) => boolean): void {
    this.holds.routesChanged();
    this.sessions.routesChanged(isTarget);
    this.wakes.routesChanged(this.table);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.wakes.close();
    this.holds.expireAll();
    this.sessions.close();
    this.idempotency.close();
    await this.activity.close();
    await this.idempotency.flush();
    await this.webhookEvents.flush();
  }
}
