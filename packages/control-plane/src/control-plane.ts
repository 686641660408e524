import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactStore } from '@berth/builder';
import { checkMasterKey, createSecretBox, loadMasterKey } from './secrets/index.js';
import { deployExecutor } from './operations/deploy/deploy-executor.js';
import { promotionExecutor } from './operations/promotion/promotion-executor.js';
import { storeSecretResolver } from './operations/deploy/secret-resolver.js';
import { RunnerHub } from './runners/runner-hub.js';
import { runnerTokenKey } from './runners/runner-token.js';
import { createJoinToken } from './runners/join-tokens.js';
import { Scheduler } from './scheduler/scheduler.js';
import { Loop } from './scheduler/scheduling-loop.js';
import { checkWorkerHealth } from './scheduler/worker-health.js';
import { RouteFeed } from './route-feed/route-feed.js';
import { attachRouteFeed } from './route-feed/attach-route-feed.js';
import { routeSigningKey } from './route-feed/route-signing-key.js';
import { JetStreamPublisher, defaultRouteStream, defaultRouteSubject } from './route-feed/jetstream-publisher.js';
import { edgeTokenKey } from './edges/edge-token.js';
import { checkEdgeHealth } from './edges/edge-health.js';
import { wakeExecutor } from './operations/wake/wake-executor.js';
import { sleepIdleEnvironments } from './sleep/sleep-controller.js';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '@berth/core';
import { buildApi } from './api/build-api.js';
import { OperationEngine } from './engine/operation-engine.js';
import type { Executor } from './engine/executor.js';
import type { Db } from './store/db.js';
import { openStore, type StoreConfig } from './store/open-store.js';
import { bootstrap } from './tenancy/bootstrap.js';

export interface ControlPlaneConfig {
  dataDir: string;
  /** The store to open, or `db`: an already open, migrated one (tests). */
  store?: StoreConfig;
  db?: Db;
  clock: Clock;
  /** Executors to register; later parts add theirs. */
  executors?: Executor[];
  leaseMs?: number;
  bodyLimit?: number;
  /** BERTH_MASTER_KEY as given; absent: `<dataDir>/master-key`, generated at first start. */
  masterKey?: string;
  /** Hostnames are `<app>.<baseDomain>` and `<app>--<short id>.<baseDomain>`; default localhost. */
  baseDomain?: string;
  /** Largest source upload, in bytes. */
  uploadLimit?: number;
  /** The URL a browser opens for a hostname (the edge's address); default http://<hostname>/. */
  urlFor?: (hostname: string) => string;
  /** How often runners send heartbeats (default 5 s). */
  heartbeatMs?: number;
  /** A host silent this long is offline (default 30 s). */
  heartbeatTimeoutMs?: number;
  /** An allocation assigned to an offline host that never started fails after this (default 15 min). */
  stuckJobTimeoutMs?: number;
  /** How often the scheduler reconciles (default 1 s; it also runs on every change). */
  scheduleEveryMs?: number;
  /** Failed allocations within `crashWindowMs` (default 5 min) that put an environment in crashloop (default 5). */
  crashLimit?: number;
  crashWindowMs?: number;
  /** How long a promotion waits for a required approval (default 1 h), for a ready production allocation (default 120 s), and for every live edge to apply its route change before it rolls back (default 10 s). */
  approvalTimeoutMs?: number;
  promotionReadyTimeoutMs?: number;
  propagationDeadlineMs?: number;
  /** Tests only: runs in a promotion's route_cas step just before the swap (to hold the step past its lease). */
  beforeRouteSwap?: (operationId: string) => Promise<void>;
  /** Carry route events over NATS JetStream at this URL as well (BERTH_NATS_URL); absent, only the embedded feed. */
  natsUrl?: string;
  /** The JetStream stream for route events (default BERTH_ROUTE_EVENTS) and its subject (default berth.route.events). */
  natsStream?: string;
  natsSubject?: string;
  /** An edge silent this long is offline and no longer holds promotions back (default 15 s). */
  edgeTimeoutMs?: number;
  /** How often the sleep controller looks for idle environments (default 5 s). */
  sleepEveryMs?: number;
  /** Wakes an environment may start per minute before a new one fails with "wake stampede" (default 10). */
  wakesPerMinute?: number;
  /** How long a wake waits for readiness, from its creation; never less than the app's wake budget (default 30 s). */
  wakeReadinessTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ControlPlane {
  db: Db;
  engine: OperationEngine;
  api: FastifyInstance;
  /** Where the admin token was written at first start. */
  tokenFile: string;
  artifacts: ArtifactStore;
  hub: RunnerHub;
  scheduler: Scheduler;
  /** The route event log as signed documents for edges: snapshot, events after a sequence, live subscription. */
  routeFeed: RouteFeed;
  /** The JetStream publisher, when natsUrl is set. */
  jetstream: JetStreamPublisher | undefined;
  /** A join token for a runner (shown once), e.g. for `berth up`'s own runner. */
  createJoinToken(name: string, ttlMs: number): Promise<string>;
  /** Runs one scheduler pass and one worker-health check now (tests). */
  reconcileNow(): Promise<void>;
  /** True when this start created the default organization and its admin token. */
  bootstrapped: boolean;
  appliedMigrations: string[];
  /** Listens on host:port (port 0 picks a free one) and returns the API's URL. */
  listen(host: string, port: number): Promise<string>;
  /** Stops taking requests, hands every operation lease back, closes the store. */
  close(): Promise<void>;
}

/** Opens the store, brings its schema up to date, bootstraps, and builds the engine and API. */
export async function startControlPlane(config: ControlPlaneConfig): Promise<ControlPlane> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // A bad master key is refused before the store is touched.
  const masterKey = loadMasterKey({ envValue: config.masterKey, dataDir: config.dataDir }).key;
  const secrets = createSecretBox(masterKey);
  const runnerKey = runnerTokenKey(masterKey);
  const edgeKey = edgeTokenKey(masterKey);
  const { db, applied } = config.db ? { db: config.db, applied: [] } : await openStore(config.store ?? { kind: 'pglite', dataDir: config.dataDir });
  try {
    const { created, tokenFile } = await bootstrap(db, config.dataDir, new Date(config.clock.now()));
    const log = config.log ?? ((line: string) => process.stderr.write(line + '\n'));
    await checkMasterKey(db, secrets, new Date(config.clock.now()));
    const artifacts = new ArtifactStore(join(config.dataDir, 'artifacts'));
    const engine = new OperationEngine({ db, clock: config.clock, ...(config.leaseMs ? { leaseMs: config.leaseMs } : {}), onError: (error, context) => log(`engine: ${(error as Error).message} ${JSON.stringify(context)}`) });
    const routeFeed = new RouteFeed({ db, key: routeSigningKey(masterKey), clock: config.clock, log });
    attachRouteFeed(engine, routeFeed);
    engine.register(deployExecutor({ db, clock: config.clock, dataDir: config.dataDir, artifacts, secrets: storeSecretResolver(db, secrets), baseDomain: config.baseDomain ?? 'localhost' }));
    for (const executor of config.executors ?? []) engine.register(executor);
    const resolver = storeSecretResolver(db, secrets);
    const wake = { scheduler: () => {} };
    const hub = new RunnerHub({ db, clock: config.clock, engine, secrets: resolver, tokenKey: runnerKey, heartbeatMs: config.heartbeatMs ?? 5000, log, onChange: () => wake.scheduler() });
    const scheduler = new Scheduler({ db, clock: config.clock, engine, hub, secrets: resolver, log, ...(config.crashLimit ? { crashLimit: config.crashLimit } : {}), ...(config.crashWindowMs ? { crashWindowMs: config.crashWindowMs } : {}) });
    const schedulingLoop = new Loop(() => scheduler.tick(), config.scheduleEveryMs ?? 1000, (error) => log(`scheduler: ${(error as Error).stack ?? error}`));
    wake.scheduler = () => schedulingLoop.poke();
    engine.register(promotionExecutor({
      db, clock: config.clock, artifacts, secrets: resolver, baseDomain: config.baseDomain ?? 'localhost', edgeTimeoutMs: config.edgeTimeoutMs ?? 15_000, onSchedulingChange: () => schedulingLoop.poke(),
      ...(config.approvalTimeoutMs ? { approvalTimeoutMs: config.approvalTimeoutMs } : {}),
      ...(config.promotionReadyTimeoutMs ? { promotionReadyTimeoutMs: config.promotionReadyTimeoutMs } : {}),
      ...(config.propagationDeadlineMs ? { propagationDeadlineMs: config.propagationDeadlineMs } : {}),
      ...(config.beforeRouteSwap ? { beforeSwap: config.beforeRouteSwap } : {}),
    }));
    const healthDeps = { db, clock: config.clock, engine, log, heartbeatTimeoutMs: config.heartbeatTimeoutMs ?? 30_000, stuckJobTimeoutMs: config.stuckJobTimeoutMs ?? 15 * 60_000 };
    const healthLoop = new Loop(async () => {
      await checkWorkerHealth(healthDeps);
      schedulingLoop.poke();
    }, Math.min(5000, Math.max(100, Math.floor(healthDeps.heartbeatTimeoutMs / 5))), (error) => log(`worker health: ${(error as Error).message}`));
    const edgeTimeoutMs = config.edgeTimeoutMs ?? 15_000;
    const edgeHealthLoop = new Loop(() => checkEdgeHealth({ db, clock: config.clock, log, edgeTimeoutMs }), Math.min(5000, Math.max(100, Math.floor(edgeTimeoutMs / 5))), (error) => log(`edge health: ${(error as Error).message}`));
    engine.register(wakeExecutor({
      db, clock: config.clock, onSchedulingChange: () => schedulingLoop.poke(),
      ...(config.wakesPerMinute ? { wakesPerMinute: config.wakesPerMinute } : {}),
      ...(config.wakeReadinessTimeoutMs ? { readinessTimeoutMs: config.wakeReadinessTimeoutMs } : {}),
    }));
    const sleepLoop = new Loop(async () => {
      await sleepIdleEnvironments({ db, clock: config.clock, engine, log, edgeTimeoutMs, onSchedulingChange: () => schedulingLoop.poke() });
    }, config.sleepEveryMs ?? 5000, (error) => log(`sleep: ${(error as Error).message}`));
    const api = await buildApi({
      db, clock: config.clock, engine, log, secrets, dataDir: config.dataDir, runnerTokenKey: runnerKey, hub, artifacts, onSchedulingChange: () => schedulingLoop.poke(),
      routeFeed, edgeTokenKey: edgeKey,
      ...(config.bodyLimit ? { bodyLimit: config.bodyLimit } : {}),
      ...(config.uploadLimit ? { uploadLimit: config.uploadLimit } : {}),
      ...(config.urlFor ? { urlFor: config.urlFor } : {}),
      baseDomain: config.baseDomain ?? 'localhost',
    });
    await routeFeed.start();
    const jetstream = config.natsUrl
      ? await JetStreamPublisher.start({ url: config.natsUrl, stream: config.natsStream ?? defaultRouteStream, subject: config.natsSubject ?? defaultRouteSubject, feed: routeFeed, log }).catch(async (error) => {
          await routeFeed.close();
          await api.close();
          throw error;
        })
      : undefined;
    engine.start();
    edgeHealthLoop.start();
    sleepLoop.start();
    schedulingLoop.start();
    healthLoop.start();
    let closed = false;
    return {
      db, engine, api, artifacts, hub, scheduler, tokenFile, routeFeed, jetstream,
      createJoinToken: async (name, ttlMs) => (await createJoinToken(db, name, ttlMs, new Date(config.clock.now()))).secret,
      async reconcileNow() {
        await checkWorkerHealth(healthDeps);
        await scheduler.tick();
      }, bootstrapped: created, appliedMigrations: applied,
      async listen(host, port) {
        await api.listen({ host, port });
        hub.attach(api.server);
        const address = api.server.address() as AddressInfo;
        return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
      },
      async close() {
        if (closed) return;
        closed = true;
        await schedulingLoop.stop();
        await healthLoop.stop();
        await edgeHealthLoop.stop();
        await sleepLoop.stop();
        await jetstream?.close();
        await hub.close();
        await engine.stop();
        await api.close();
        await routeFeed.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
