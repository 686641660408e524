import { assetManifestChecksum, compileTrafficPolicy, type AssetManifestChecksumEntry, type GapPolicy, type Manifest, type RouteEntry, type RoutePolicy, type TrafficPolicy } from '@berth/core';
import type { Queryable } from '../store/db.js';

/**
 * A route's policy: how an edge treats requests for it. It comes from the deployment the owner
 * names (its `[assets]` and whether it has a `[run]` process, and the asset manifest's count and
 * checksum) and from the environment (production or preview, and its gap policy).
 */

/** What a policy is built from: one row of deployments joined with environments. */
export interface PolicySource {
  environmentKind: 'production' | 'preview';
  gapPolicy: GapPolicy;
  /** `manifest.assets` of the deployment, when it declares `[assets]`. */
  assets: { prefix?: string; immutable?: boolean } | null;
  hasProcess: boolean;
  assetManifest: { count: number; checksum: string };
  /** The deployment's manifest, for its traffic policy and `[scale]`; absent for rows from before they were published. */
  manifest?: Pick<Manifest, 'assets' | 'routes' | 'webhooks' | 'live' | 'scale' | 'run'> | null;
}

/** The traffic policy and `[scale]` the edge needs to hold, wake and classify requests; none for an assets-only app. */
function trafficOf(source: PolicySource): Pick<RoutePolicy, 'traffic' | 'scale' | 'drainTimeoutMs'> {
  const m = source.manifest;
  if (!m || !source.hasProcess) return {};
  let traffic: TrafficPolicy | null = null;
  try {
    traffic = compileTrafficPolicy({ assets: m.assets, routes: m.routes ?? [], webhooks: m.webhooks ?? [], live: m.live } as Parameters<typeof compileTrafficPolicy>[0]);
  } catch {
    // A manifest that cannot be compiled (older shape) leaves the edge its method-based classes.
  }
  const drain = (m as { run?: { drainTimeoutMs?: number } }).run?.drainTimeoutMs;
  return { traffic, scale: m.scale ? { min: m.scale.min, wakeBudgetMs: m.scale.wakeBudgetMs } : null, ...(typeof drain === 'number' ? { drainTimeoutMs: drain } : {}) };
}

export function routePolicy(source: PolicySource): RoutePolicy {
  return {
    environmentKind: source.environmentKind,
    gapPolicy: source.gapPolicy,
    assets: source.assets
      ? { prefix: source.assets.prefix ?? '/assets/', immutable: source.assets.immutable ?? true, count: source.assetManifest.count, checksum: source.assetManifest.checksum }
      : null,
    hasProcess: source.hasProcess,
    ...trafficOf(source),
  };
}

// An asset manifest never changes once its deployment has a digest, so its checksum is computed once
// per deployment and process; the bound keeps a long-lived control plane's memory flat.
const checksums = new Map<string, { count: number; checksum: string }>();
const checksumCacheLimit = 20_000;

/** The count and checksum of a deployment's asset manifest (see assetManifestChecksum in @berth/core). */
export function assetManifestSummary(deploymentId: string, entries: readonly unknown[] | null): { count: number; checksum: string } {
  const cached = checksums.get(deploymentId);
  if (cached) return cached;
  const list = (entries ?? []) as AssetManifestChecksumEntry[];
  const summary = { count: list.length, checksum: assetManifestChecksum(list) };
  if (checksums.size >= checksumCacheLimit) checksums.clear();
  checksums.set(deploymentId, summary);
  return summary;
}

export function cachedAssetManifestSummary(deploymentId: string): { count: number; checksum: string } | undefined {
  return checksums.get(deploymentId);
}

interface PolicyRow {
  app_id: string;
  kind: 'production' | 'preview';
  gap_policy: GapPolicy;
  manifest: (Pick<Manifest, 'routes' | 'webhooks' | 'live' | 'scale'> & { assets?: { prefix?: string; immutable?: boolean }; run?: unknown }) | null;
  asset_manifest: unknown[] | null;
}

/** The route entry a route owner is published as, with its current policy. */
export async function routeEntryFor(
  db: Queryable,
  owner: { hostname: string; environmentId: string; deploymentId: string; digest: string; epoch: number },
): Promise<RouteEntry> {
  const [row] = await db.query<PolicyRow>(
    `SELECT e.app_id, e.kind, e.gap_policy, d.manifest, d.asset_manifest
     FROM environments e LEFT JOIN deployments d ON d.id = $2 WHERE e.id = $1`,
    [owner.environmentId, owner.deploymentId],
  );
  if (!row) throw new Error(`route owner ${owner.hostname} names environment ${owner.environmentId}, which does not exist`);
  const policy = routePolicy({
    environmentKind: row.kind,
    gapPolicy: row.gap_policy,
    assets: row.manifest?.assets ?? null,
    hasProcess: row.manifest?.run !== undefined && row.manifest?.run !== null,
    assetManifest: assetManifestSummary(owner.deploymentId, row.asset_manifest),
    manifest: row.manifest as PolicySource['manifest'],
  });
  return { hostname: owner.hostname, appId: row.app_id, environmentId: owner.environmentId, deploymentId: owner.deploymentId, digest: owner.digest, epoch: owner.epoch, policy };
}
