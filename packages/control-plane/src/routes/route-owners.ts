import { BerthError } from '@berth/core';
import type { Queryable } from '../store/db.js';

/**
 * RouteOwner: which deployment serves a hostname, and an epoch that grows by one on every change.
 * Only an operation changes it, by compare-and-swap on the epoch, and every change appends a route
 * event with the next gap-free sequence number in the same transaction.
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

/** A lock number the route-event writers share, so sequence numbers are handed out one at a time. */
const routeEventLockKey = 727_274_003;

async function appendRouteEvent(tx: Queryable, owner: RouteOwnerRow, operationId: string | null, now: Date): Promise<number> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [routeEventLockKey]);
  const [row] = await tx.query<{ seq: number }>(
    `INSERT INTO route_events (seq, at, hostname, environment_id, deployment_id, digest, epoch, operation_id)
     VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM route_events), $1, $2, $3, $4, $5, $6, $7) RETURNING seq`,
    [now, owner.hostname, owner.environment_id, owner.deployment_id, owner.digest, owner.epoch, operationId],
  );
  return row!.seq;
}

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
  const seq = await appendRouteEvent(tx, row, change.operationId, change.now);
  return { owner: toOwner(row), seq };
}

export async function findRouteOwner(db: Queryable, hostname: string): Promise<RouteOwner | undefined> {
  const [row] = await db.query<RouteOwnerRow>('SELECT * FROM route_owners WHERE hostname = $1', [hostname]);
  return row ? toOwner(row) : undefined;
}

export async function routeOwnersOfEnvironment(db: Queryable, environmentId: string): Promise<RouteOwner[]> {
  const rows = await db.query<RouteOwnerRow>('SELECT * FROM route_owners WHERE environment_id = $1 ORDER BY hostname', [environmentId]);
  return rows.map(toOwner);
}
