import { manifestDefaults as defaults, type Manifest } from '@berth/core';
import { findDeployment } from '../../deployments/deployments-store.js';
import { routeOwnersOfEnvironment, type RouteOwner } from '../../routes/route-owners.js';
import type { Queryable } from '../../store/db.js';

/**
 * What a wake wakes: an environment, the route owners that name it, and the deployment they name
 * (the only one whose allocations may serve the app). Read fresh by every step, because a
 * promotion may move the owner at any time.
 */
export interface WakeTarget {
  environmentId: string;
  environmentName: string;
  environmentKind: 'production' | 'preview';
  orgId: string;
  appId: string;
  appName: string;
  /** Sorted by hostname. */
  owners: RouteOwner[];
  /** The deployment the route owners name (the first owner's), and its manifest. */
  deploymentId: string | null;
  manifest: Manifest | null;
  /** What the environment runs now. */
  runningDeploymentId: string | null;
  desiredCount: number;
  runStatus: string;
  runStatusReason: string | null;
  sleepState: 'awake' | 'sleeping';
}

interface TargetRow {
  id: string;
  name: string;
  kind: 'production' | 'preview';
  org_id: string;
  app_id: string;
  app_name: string;
  deployment_id: string | null;
  desired_count: number;
  run_status: string;
  run_status_reason: string | null;
  sleep_state: 'awake' | 'sleeping';
}

export async function findWakeTarget(db: Queryable, environmentId: string): Promise<WakeTarget | undefined> {
  const [row] = await db.query<TargetRow>(
    `SELECT e.id, e.name, e.kind, a.org_id, a.id AS app_id, a.name AS app_name, e.deployment_id, e.desired_count, e.run_status, e.run_status_reason, e.sleep_state
     FROM environments e JOIN apps a ON a.id = e.app_id WHERE e.id = $1`,
    [environmentId],
  );
  if (!row) return undefined;
  const owners = await routeOwnersOfEnvironment(db, environmentId);
  const deploymentId = owners.find((o) => o.deploymentId !== null)?.deploymentId ?? null;
  const deployment = deploymentId ? await findDeployment(db, deploymentId) : undefined;
  return {
    environmentId: row.id, environmentName: row.name, environmentKind: row.kind, orgId: row.org_id, appId: row.app_id, appName: row.app_name,
    owners, deploymentId, manifest: (deployment?.manifest as unknown as Manifest | undefined) ?? null,
    runningDeploymentId: row.deployment_id, desiredCount: row.desired_count, runStatus: row.run_status, runStatusReason: row.run_status_reason, sleepState: row.sleep_state,
  };
}

/** The `[scale]` a wake works with: the manifest's, or the defaults for a manifest without one. */
export function wakeScale(manifest: Manifest | null): { min: number; wakeBudgetMs: number; sleepAfterMs: number } {
  return {
    min: manifest?.scale?.min ?? defaults.scale.min,
    wakeBudgetMs: manifest?.scale?.wakeBudgetMs ?? defaults.scale.wakeBudgetMs,
    sleepAfterMs: manifest?.scale?.sleepAfterMs ?? defaults.scale.sleepAfterMs,
  };
}

/** The route owners' epochs by hostname. */
export function epochsOf(owners: readonly RouteOwner[]): Record<string, number> {
  return Object.fromEntries(owners.map((o) => [o.hostname, o.epoch]));
}

/**
 * Why this environment has nothing a wake could start, or undefined when it has: no route owner
 * (nothing was deployed or promoted to it), or an assets-only deployment, which the edge serves.
 */
export function nothingToWake(target: WakeTarget): string | undefined {
  if (!target.deploymentId) return `${target.appName}/${target.environmentName} has no route owner yet: deploy${target.environmentKind === 'production' ? ' and promote' : ''} the app first.`;
  if (!target.manifest?.run) return `Deployment ${target.deploymentId} of ${target.appName} is assets-only: the edge serves it and it never sleeps.`;
  return undefined;
}
