import { BerthError } from '@berth/core';
import type { Queryable } from '../store/db.js';
import { appendRouteEvent } from '../route-feed/route-event-log.js';
import { routeEntryFor } from '../route-feed/route-policy.js';

/**
 * RouteOwner: which deployment serves a hostname, and an epoch that grows by one on every change.
 * Only an operation changes it, by compare-and-swap on the epoch, and every change appends a route
 * event (`route.owner`, carrying the route entry with its policy) with the next gap-free sequence
 * number in the same transaction; see route-feed/route-event-log.ts.
 */
export interface RouteOwner {
  hostname: string;
  environmentId: string;
  deploymentId: string | null;
  digest: string | null;
  epoch: number;
  updatedAt: string;
}

interface RouteOwnerRow {
  hostname: string;
  environment_id: string;
  deployment_id: string | null;
  digest: string | null;
  epoch: number;
  updated_at: Date;
}

const toOwner = (row: RouteOwnerRow): RouteOwner => ({
  hostname: row.hostname, environmentId: row.environment_id, deploymentId: row.deployment_id, digest: row.digest, epoch: row.epoch, updatedAt: row.updated_at.toISOString(),
});

/**
 * Points `hostname` at a deployment if its epoch is still `expectedEpoch` (0 for a hostname with
 * no owner yet). A lost race is the named error `route_epoch_conflict`. Must run in a transaction.
 */
export async function swapRouteOwner(
  tx: Queryable,
  change: { hostname: string; environmentId: string; deploymentId: string; digest: string; expectedEpoch: number; operationId: string | null; now: Date },
): Promise<{ owner: RouteOwner; seq: number }> {
  const rows = change.expectedEpoch === 0
    ? await tx.query<RouteOwnerRow>(
        `INSERT INTO route_owners (hostname, environment_id, deployment_id, digest, epoch, updated_at) VALUES ($1, $2, $3, $4, 1, $5)
         ON CONFLICT (hostname) DO NOTHING RETURNING *`,
        [change.hostname, change.environmentId, change.deploymentId, change.digest, change.now],
      )
    : await tx.query<RouteOwnerRow>(
        `UPDATE route_owners SET deployment_id = $3, digest = $4, epoch = epoch + 1, updated_at = $5
         WHERE hostname = $1 AND epoch = $2 AND environment_id = $6 RETURNING *`,
        [change.hostname, change.expectedEpoch, change.deploymentId, change.digest, change.now, change.environmentId],
      );
  const row = rows[0];
  if (!row) {
    const current = await findRouteOwner(tx, change.hostname);
    throw new BerthError('route_epoch_conflict', `The route owner of ${change.hostname} is at epoch ${current?.epoch ?? 0}, not ${change.expectedEpoch}: another change won.`, {
      details: { hostname: change.hostname, expectedEpoch: change.expectedEpoch, currentEpoch: current?.epoch ?? 0 },
    });
  }
  const route = await routeEntryFor(tx, { hostname: row.hostname, environmentId: row.environment_id, deploymentId: change.deploymentId, digest: change.digest, epoch: row.epoch });
  const seq = await appendRouteEvent(tx, { type: 'route.owner', route, operationId: change.operationId }, change.now);
  return { owner: toOwner(row), seq };
}

/**
 * Appends a `route.policy` event for each of an environment's route owners that names a deployment,
 * carrying the route's policy as it is now (as a snapshot would). Must run in the transaction that
 * changed the policy, so edges apply the change in sequence like any event, without waiting for
 * the next owner change or snapshot. Returns the last sequence appended (0 if none).
 */
export async function appendRoutePolicies(tx: Queryable, environmentId: string, now: Date): Promise<number> {
  let seq = 0;
  for (const owner of await routeOwnersOfEnvironment(tx, environmentId)) {
    if (!owner.deploymentId || !owner.digest) continue;
    const route = await routeEntryFor(tx, { hostname: owner.hostname, environmentId, deploymentId: owner.deploymentId, digest: owner.digest, epoch: owner.epoch });
    seq = await appendRouteEvent(tx, { type: 'route.policy', hostname: route.hostname, environmentId, epoch: route.epoch, policy: route.policy }, now);
  }
  return seq;
}

export async function findRouteOwner(db: Queryable, hostname: string): Promise<RouteOwner | undefined> {
  const [row] = await db.query<RouteOwnerRow>('SELECT * FROM route_owners WHERE hostname = $1', [hostname]);
  return row ? toOwner(row) : undefined;
}

export async function routeOwnersOfEnvironment(db: Queryable, environmentId: string): Promise<RouteOwner[]> {
  const rows = await db.query<RouteOwnerRow>('SELECT * FROM route_owners WHERE environment_id = $1 ORDER BY hostname', [environmentId]);
  return rows.map(toOwner);
}

/**
 * Deletes an environment's route owners (its app or preview is going away) and appends a
 * `route.removed` event for each hostname, and a `target.down` for each of its allocations that
 * was a target, so an edge replaying the log ends where a fresh snapshot would. Must run in the
 * transaction that deletes the environment; returns the last sequence appended (0 if none).
 */
export async function removeRouteOwners(tx: Queryable, environmentId: string, now: Date): Promise<{ hostnames: string[]; seq: number }> {
  const removed = await tx.query<{ hostname: string }>('DELETE FROM route_owners WHERE environment_id = $1 RETURNING hostname', [environmentId]);
  const hostnames = removed.map((r) => r.hostname).sort();
  let seq = 0;
  for (const hostname of hostnames) seq = await appendRouteEvent(tx, { type: 'route.removed', hostname, environmentId }, now);
  const targets = await tx.query<{ id: string; deployment_id: string }>(
    `SELECT a.id, a.deployment_id FROM allocations a JOIN operations o ON o.id = a.operation_id
     WHERE a.environment_id = $1 AND o.state = 'ready' AND a.address_host IS NOT NULL AND a.address_port IS NOT NULL ORDER BY a.id`,
    [environmentId],
  );
  for (const t of targets) seq = await appendRouteEvent(tx, { type: 'target.down', allocationId: t.id, deploymentId: t.deployment_id, environmentId }, now);
  return { hostnames, seq };
}

/** removeRouteOwners for every environment of an app; run in the transaction that deletes the app. */
export async function removeAppRouteOwners(tx: Queryable, appId: string, now: Date): Promise<void> {
  const environments = await tx.query<{ id: string }>('SELECT id FROM environments WHERE app_id = $1 ORDER BY id', [appId]);
  for (const environment of environments) await removeRouteOwners(tx, environment.id, now);
}
