import { BerthError } from '@berth/core';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AssetStore } from '../assets/asset-store.js';
import type { EdgeLog } from '../edge-context.js';
import { ControlPlaneLink } from '../link/control-plane-link.js';
import { createEdgeServer, type EdgeServerOptions } from '../proxy.js';
import { RouteTable } from '../route-table.js';
import { TrafficDesk, type TrafficOptions } from '../traffic/traffic-desk.js';
import { EdgeSync } from './edge-sync.js';
import { PinnedRouteKey, routeKeyFrom } from './pinned-route-key.js';
import { requestLogLines } from './request-log-lines.js';

export interface StartEdgeConfig {
  /** The control plane's API, e.g. `http://10.0.0.1:7070`. */
  controlPlaneUrl: string;
  joinToken: string;
  /** This edge's name in the control plane's list of edges. */
  name: string;
  region?: string | undefined;
  /**
   * `ed25519:<base64>`: the key the route feed must be signed with. Without it the edge trusts the
   * key its first registration is answered with and pins it in the data dir.
   */
  routePublicKey?: string | undefined;
  /** Where the last verified snapshot, the pinned key and the asset cache live. */
  dataDir: string;
  /** 127.0.0.1 unless told. */
  host?: string | undefined;
  /** 0 (or absent) picks a free port. */
  port?: number | undefined;
  transport?: 'embedded' | 'jetstream' | undefined;
  natsUrl?: string | undefined;
  natsStream?: string | undefined;
  /** The subject route events are published on (`berth.route.events` unless told). */
  natsSubject?: string | undefined;
  /** Lines for an operator: feed changes, gaps, refused snapshots, upstream failures. */
  log?: ((line: string) => void) | undefined;
  /** Every request log entry, structured (tests, metrics). */
  requestLog?: EdgeLog | undefined;
  /** The proxy's limits and timeouts (see createEdgeServer). */
  server?: Omit<EdgeServerOptions, 'table' | 'log'> | undefined;
  /** Tuning, mostly for tests: report heartbeat, waits between retries, request deadline, memory for assets. */
  tuning?: EdgeTuning | undefined;
  /**
   * Sleep and wake: hold limits (`maxHeldRequests`, `maxHeldBytes`, `holdBodyLimitBytes`),
   * idempotency and webhook retention, and the wake poll, activity report and secret cache intervals.
   */
  traffic?: Omit<TrafficOptions, 'controlPlane' | 'dataDir' | 'table' | 'log'> | undefined;
}

export interface EdgeTuning {
  reportHeartbeatMs?: number;
  retryMs?: { initial: number; max: number };
  controlPlaneTimeoutMs?: number;
  assetMemoryBytes?: number;
  compactAfterEvents?: number;
}

export interface RunningEdge {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  /** Known once the control plane has answered a registration. */
  readonly edgeId: string | null;
  /** The route feed sequence applied; -1 before the first snapshot. */
  appliedSeq(): number;
  /** Why the edge is not following the feed normally, or null. */
  degradedReason(): string | null;
  readonly table: RouteTable;
  /** Resolves once a verified snapshot from the control plane is applied (see RouteFeedFollower.ready). */
  ready(): Promise<void>;
  /** Stops following the feed, then closes the server (open requests get `graceMs`, 10 s unless told). */
  close(graceMs?: number): Promise<void>;
}

const edgeVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Starts an edge: listens at once (serving the snapshot kept on disk, if any; else 503
 * `edge_not_synced` until the first snapshot), registers with the control plane, and follows the
 * route feed in the background. Refuses to start when the control plane refuses the join token or
 * signs with another key than the one given or pinned; an unreachable control plane is retried.
 */
export async function startEdge(config: StartEdgeConfig): Promise<RunningEdge> {
  const log = config.log ?? (() => {});
  const transport = config.transport ?? 'embedded';
  validate(config, transport);
  await mkdir(config.dataDir, { recursive: true });
  const pin = new PinnedRouteKey(config.dataDir);
  const given = config.routePublicKey !== undefined ? routeKeyFrom(config.routePublicKey, 'the routePublicKey setting') : undefined;
  const trusted = given ?? (await pin.read());

  const link = new ControlPlaneLink({
    url: config.controlPlaneUrl,
    registration: { joinToken: config.joinToken, name: config.name, region: config.region, transport, version: edgeVersion },
    timeoutMs: config.tuning?.controlPlaneTimeoutMs,
  });
  const table = new RouteTable({ awaitingFirstSnapshot: true });
  const assets = new AssetStore({
    source: { manifest: (digest) => link.assetManifest(digest), file: (digest, entry) => link.assetFile(digest, entry.path) },
    cacheDir: join(config.dataDir, 'assets'),
    memoryBytes: config.tuning?.assetMemoryBytes,
    onError: (digest, error) => log(`assets: cannot load the asset manifest of ${digest} (${error instanceof Error ? error.message : String(error)})`),
  });
  const traffic = await TrafficDesk.open({ ...config.traffic, controlPlane: link, dataDir: config.dataDir, table, log });
  const edge = createEdgeServer({ ...config.server, table, traffic, log: config.requestLog ?? requestLogLines(log) });
  await new Promise<void>((resolve, reject) => {
    const refused = (error: Error) => void traffic.close().finally(() => reject(error));
    edge.server.once('error', refused);
    edge.server.listen(config.port ?? 0, config.host ?? '127.0.0.1', () => {
      edge.server.off('error', refused);
      resolve();
    });
  });
  const address = edge.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const sync = new EdgeSync({
    link, table, assets, log, transport, natsUrl: config.natsUrl, natsStream: config.natsStream, natsSubject: config.natsSubject,
    dataDir: config.dataDir, pin, trusted, trustedSource: given !== undefined ? 'the routePublicKey setting' : pin.path, tuning: config.tuning ?? {},
  });
  try {
    await sync.start();
  } catch (error) {
    await sync.close();
    await edge.close(0);
    throw error;
  }
  log(`edge: serving http://${host}:${address.port} (${transport} route feed from ${link.url})`);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    get edgeId() {
      return link.edgeId;
    },
    appliedSeq: () => sync.appliedSeq(),
    degradedReason: () => sync.degradedReason(),
    table,
    ready: () => sync.ready(),
    close: (graceMs) => (closing ??= (async () => {
      await sync.close();
      await edge.close(graceMs);
    })()),
  };
}

function validate(config: StartEdgeConfig, transport: string): void {
  const refuse = (message: string, suggestion: string) => new BerthError('invalid_config', message, { suggestion });
  try {
    new URL(config.controlPlaneUrl);
  } catch {
    throw refuse(`The control plane URL ${JSON.stringify(config.controlPlaneUrl)} is not a URL.`, 'Give it as http://host:port.');
  }
  if (!config.joinToken) throw refuse('An edge needs a join token to register.', 'Create one on the control plane and pass it to the edge.');
  if (transport !== 'embedded' && transport !== 'jetstream') throw refuse(`The route feed transport ${transport} is unknown.`, 'Use embedded or jetstream.');
  if (transport === 'jetstream' && !config.natsUrl) throw refuse('The jetstream transport needs a NATS URL.', 'Pass natsUrl (nats://host:4222), or use the embedded transport.');
}
