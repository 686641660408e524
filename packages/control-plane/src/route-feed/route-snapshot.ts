import { routeSnapshotBody, signDocument, type GapPolicy, type RouteEntry, type RouteSigningKey, type SignedDocument, type TargetEntry } from '@berth/core';
import type { Db, Queryable } from '../store/db.js';
import { lastRouteSeq, lockRouteEvents } from './route-event-log.js';
import { assetManifestSummary, cachedAssetManifestSummary, routePolicy, type PolicySource } from './route-policy.js';

interface OwnerRow {
  hostname: string;
  environment_id: string;
  deployment_id: string;
  digest: string;
  epoch: number;
  app_id: string;
  kind: 'production' | 'preview';
  gap_policy: GapPolicy;
  assets: { prefix?: string; immutable?: boolean } | null;
  has_process: boolean;
  manifest: PolicySource['manifest'];
}

interface TargetRow {
  id: string;
  deployment_id: string;
  environment_id: string;
  address_host: string;
  address_port: number;
}

/** Every route owner (that names a deployment) with its current policy, sorted by hostname. */
async function readRoutes(tx: Queryable): Promise<RouteEntry[]> {
  const rows = await tx.query<OwnerRow>(
    `SELECT r.hostname, r.environment_id, r.deployment_id, r.digest, r.epoch, e.app_id, e.kind, e.gap_policy,
            d.manifest -> 'assets' AS assets, (d.manifest -> 'run') IS NOT NULL AS has_process, d.manifest
     FROM route_owners r JOIN environments e ON e.id = r.environment_id JOIN deployments d ON d.id = r.deployment_id
     WHERE r.digest IS NOT NULL ORDER BY r.hostname`,
  );
  // Asset manifests are read only for deployments whose checksum this process has not computed yet.
  const summaries = new Map<string, { count: number; checksum: string }>();
  for (const id of new Set(rows.map((r) => r.deployment_id))) {
    const cached = cachedAssetManifestSummary(id);
    if (cached) summaries.set(id, cached);
  }
  const missing = [...new Set(rows.map((r) => r.deployment_id))].filter((id) => !summaries.has(id));
  if (missing.length > 0) {
    const manifests = await tx.query<{ id: string; asset_manifest: unknown[] | null }>('SELECT id, asset_manifest FROM deployments WHERE id = ANY($1::text[])', [missing]);
    for (const m of manifests) summaries.set(m.id, assetManifestSummary(m.id, m.asset_manifest));
  }
  return rows.map((r) => ({
    hostname: r.hostname, appId: r.app_id, environmentId: r.environment_id, deploymentId: r.deployment_id, digest: r.digest, epoch: r.epoch,
    policy: routePolicy({ environmentKind: r.kind, gapPolicy: r.gap_policy, assets: r.assets, hasProcess: r.has_process, assetManifest: summaries.get(r.deployment_id)!, manifest: r.manifest }),
  }));
}

/** Every ready allocation with an address: the targets `target.up` events announced and no `target.down` withdrew. */
async function readTargets(tx: Queryable): Promise<TargetEntry[]> {
  const rows = await tx.query<TargetRow>(
    `SELECT a.id, a.deployment_id, a.environment_id, a.address_host, a.address_port FROM allocations a JOIN operations o ON o.id = a.operation_id
     WHERE o.state = 'ready' AND a.address_host IS NOT NULL AND a.address_port IS NOT NULL ORDER BY a.id`,
  );
  return rows.map((r) => ({ allocationId: r.id, deploymentId: r.deployment_id, environmentId: r.environment_id, host: r.address_host, port: r.address_port }));
}

/**
 * Reads the routes, targets and last sequence in one transaction holding the route-event lock, so
 * no event is appended between the reads: the snapshot reflects every event up to `seq` and none
 * after it.
 */
export async function readRouteState(db: Db): Promise<{ seq: number; routes: RouteEntry[]; targets: TargetEntry[] }> {
  return db.transaction(async (tx) => {
    await lockRouteEvents(tx);
    const seq = await lastRouteSeq(tx);
    return { seq, routes: await readRoutes(tx), targets: await readTargets(tx) };
  });
}

/** A signed RouteSnapshotBody of the current route owners and targets, covering the log up to its last event. */
export async function buildRouteSnapshot(db: Db, key: RouteSigningKey, now: Date): Promise<SignedDocument> {
  const state = await readRouteState(db);
  return signDocument(JSON.stringify(routeSnapshotBody(state.seq, now.toISOString(), state.routes, state.targets)), key);
}
