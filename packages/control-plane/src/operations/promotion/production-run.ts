import type { Manifest } from '@berth/core';
import { allocationsWhere } from '../../allocations/allocations-store.js';
import type { Queryable } from '../../store/db.js';
import type { PromotionPlan } from './promotion-record.js';

/**
 * What production runs while a promotion is under way: the environment's deployment and desired
 * count are pointed at the promoted deployment before the swap, so its allocations are ready when
 * the route owner moves; the scheduler keeps the old owner's allocations meanwhile (it never stops
 * allocations a route owner or an unfinished promotion names).
 */

/** `[scale] min` allocations, at least one (until sleep and wake exist); none for an assets-only app, which the edge serves. */
export function desiredCountFor(manifest: Manifest | null | undefined): number {
  return manifest?.run ? Math.max(1, manifest.scale?.min ?? 1) : 0;
}

export async function productionRunOf(db: Queryable, environmentId: string): Promise<{ deploymentId: string | null; desiredCount: number; runStatus: string; runStatusReason: string | null }> {
  const [row] = await db.query<{ deployment_id: string | null; desired_count: number; run_status: string; run_status_reason: string | null }>(
    'SELECT deployment_id, desired_count, run_status, run_status_reason FROM environments WHERE id = $1',
    [environmentId],
  );
  return { deploymentId: row?.deployment_id ?? null, desiredCount: row?.desired_count ?? 0, runStatus: row?.run_status ?? 'running', runStatusReason: row?.run_status_reason ?? null };
}

/** Points the environment at `deploymentId` with `count` allocations; a crash loop of what ran before does not carry over. */
export async function runInProduction(db: Queryable, environmentId: string, deploymentId: string, count: number, now: Date): Promise<boolean> {
  const rows = await db.query(
    `UPDATE environments SET deployment_id = $2, desired_count = $3, run_status = 'running', run_status_reason = NULL, run_status_since = $4
     WHERE id = $1 AND (deployment_id IS DISTINCT FROM $2 OR desired_count <> $3) RETURNING id`,
    [environmentId, deploymentId, count, now],
  );
  return rows.length > 0;
}

/**
 * Puts back what production ran before the promotion (a failed or rolled-back one), unless
 * something else changed the environment since: only while it still runs the promoted deployment.
 */
export async function restorePreviousRun(db: Queryable, environmentId: string, promoted: string, plan: Pick<PromotionPlan, 'previousRun'>, now: Date): Promise<void> {
  const { deploymentId, desiredCount } = plan.previousRun;
  await db.query(
    `UPDATE environments SET deployment_id = coalesce($3, deployment_id), desired_count = CASE WHEN $3::text IS NULL THEN 0 ELSE $4 END,
       run_status = 'running', run_status_reason = NULL, run_status_since = $5
     WHERE id = $1 AND deployment_id = $2`,
    [environmentId, promoted, deploymentId, desiredCount, now],
  );
}

/** The deployment's allocations in the environment, and how many of them are ready. */
export async function readinessOf(db: Queryable, environmentId: string, deploymentId: string) {
  const live = (await allocationsWhere(db, { environmentId, live: true })).filter((a) => a.deploymentId === deploymentId);
  return { ready: live.filter((a) => a.state === 'ready').length, allocations: live.map((a) => ({ id: a.id, state: a.state, hostId: a.hostId })) };
}
