import { compileTrafficPolicy, parseManifest, type RoutePolicy, type RouteSigningKey } from '@berth/core';
import { startBackend, type Backend } from './backends.js';
import { startControlPlaneStandIn, type ControlPlaneStandIn } from './control-plane-stand-in.js';
import { routeEntry, signedEvent, signedSnapshot, targetEntry, testSigningKey } from './feed-documents.js';
import { startFeedEdge, type FeedEdge } from './feed-edge.js';
import type { StartEdgeConfig } from '../start-edge/start-edge.js';

export const sleepyHost = 'sleepy.test';
export const sleepyEnvironment = 'env_sleepy';
export const sleepyDeployment = 'dep_sleepy';

export interface SleepingAppOptions {
  /** berth.toml text; `[run]` is enough for method-based classes. */
  manifest?: string;
  wakeBudgetMs?: number;
  drainTimeoutMs?: number;
  /** Allocations (backends) to start; none is a target until `wake()`. */
  allocations?: number;
  /** Start with every allocation a target. */
  hot?: boolean;
  edge?: Partial<StartEdgeConfig>;
  /** More of the route's policy (its `[assets]` mount, say). */
  policy?: Partial<RoutePolicy>;
  /** The artifact digest the route names. */
  digest?: string;
}

/**
 * An app with `[scale] min = 0` behind a real edge that follows a stand-in control plane: its
 * route exists, its allocations (real HTTP servers counting what they receive) run but are not
 * targets until the test calls `wake()`, which appends the signed `target.up` events a control
 * plane publishes once readiness passes.
 */
export interface SleepingApp {
  readonly cp: ControlPlaneStandIn;
  readonly key: RouteSigningKey;
  edge: FeedEdge;
  readonly allocations: Backend[];
  /** Makes allocations targets (all of them unless told). */
  wake(which?: Backend[]): void;
  /** Takes an allocation out of the route (`target.down`: draining). */
  drain(backend: Backend): void;
  /** Stops the edge and starts another on the same data dir (and port unless told). */
  restartEdge(): Promise<FeedEdge>;
  close(): Promise<void>;
}

export async function startSleepingApp(options: SleepingAppOptions = {}): Promise<SleepingApp> {
  const manifest = parseManifest(options.manifest ?? '[run]\ncommand = "node server.js"\n');
  const policy = {
    scale: { min: 0, wakeBudgetMs: options.wakeBudgetMs ?? 10_000 },
    traffic: compileTrafficPolicy(manifest),
    ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
    ...options.policy,
  };
  const allocations = await Promise.all(Array.from({ length: options.allocations ?? 1 }, (_, i) => startBackend(`a${i + 1}`)));
  const key = testSigningKey();
  const entry = routeEntry(sleepyHost, sleepyEnvironment, sleepyDeployment, 1, policy, options.digest);
  const targets = options.hot === true ? allocations.map((backend) => targetEntry(backend, sleepyEnvironment, sleepyDeployment)) : [];
  const cp = await startControlPlaneStandIn(key, signedSnapshot(key, 1, [entry], targets));
  const edgeConfig: Partial<StartEdgeConfig> = { ...options.edge, traffic: { wakePollMs: 100, activityReportMs: 200, ...options.edge?.traffic } };
  let seq = 1;
  const app: SleepingApp = {
    cp, key, allocations,
    edge: await startFeedEdge(cp, edgeConfig),
    wake(which = allocations) {
      for (const backend of which) {
        seq += 1;
        cp.append(seq, signedEvent(key, seq, { type: 'target.up', target: targetEntry(backend, sleepyEnvironment, sleepyDeployment) }));
      }
    },
    drain(backend) {
      seq += 1;
      cp.append(seq, signedEvent(key, seq, { type: 'target.down', allocationId: `alloc_${backend.name}`, deploymentId: sleepyDeployment, environmentId: sleepyEnvironment }));
    },
    async restartEdge() {
      await app.edge.close(0);
      app.edge = await startFeedEdge(cp, { ...edgeConfig, dataDir: app.edge.dataDir, port: app.edge.port });
      await app.edge.ready();
      return app.edge;
    },
    async close() {
      await app.edge.close(0);
      await cp.close();
      await Promise.all(allocations.map((backend) => backend.close()));
    },
  };
  await app.edge.ready();
  return app;
}
