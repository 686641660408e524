import { newId } from '@berth/core';
import type { Db } from '../../store/db.js';
import { updateDeployment } from '../../deployments/deployments-store.js';
import type { DeploymentRecord } from '../../deployments/deployment-record.js';
import { findRouteOwner, swapRouteOwner } from '../../routes/route-owners.js';

export function previewHostname(appName: string, shortId: string, baseDomain: string): string {
  return `${appName}--${shortId}.${baseDomain}`;
}

/**
 * Gives a deploy its own preview environment and a preview route owner at epoch 1, pointing at the
 * deploy's artifact. Production's route owner is never touched. Safe to run again after a crash:
 * an environment or route owner already made for this deploy is kept.
 */
export async function ensurePreviewEnvironment(db: Db, deployment: DeploymentRecord, appName: string, baseDomain: string, now: Date): Promise<{ environmentId: string; hostname: string; epoch: number }> {
  const hostname = previewHostname(appName, deployment.shortId, baseDomain);
  return db.transaction(async (tx) => {
    const name = `preview-${deployment.shortId}`;
    await tx.query(
      `INSERT INTO environments (id, app_id, name, kind, created_at) VALUES ($1, $2, $3, 'preview', $4) ON CONFLICT (app_id, name) DO NOTHING`,
      [newId('environment', now.getTime()), deployment.appId, name, now],
    );
    const [env] = await tx.query<{ id: string }>('SELECT id FROM environments WHERE app_id = $1 AND name = $2', [deployment.appId, name]);
    const existing = await findRouteOwner(tx, hostname);
    const owner = existing ?? (await swapRouteOwner(tx, { hostname, environmentId: env!.id, deploymentId: deployment.id, digest: deployment.digest!, expectedEpoch: 0, operationId: deployment.operationId, now })).owner;
    await updateDeployment(tx, deployment.id, { previewEnvironmentId: env!.id, previewHost: hostname }, now);
    // The preview runs its deployment: [scale] min allocations (at least one until sleep and wake
    // exist), none for an assets-only app, which the edge serves by itself.
    const manifest = deployment.manifest as { run?: unknown; scale?: { min?: number } } | null;
    const count = manifest?.run ? Math.max(1, manifest.scale?.min ?? 1) : 0;
    await tx.query('UPDATE environments SET deployment_id = $2, desired_count = $3 WHERE id = $1', [env!.id, deployment.id, count]);
    return { environmentId: env!.id, hostname, epoch: owner.epoch };
  });
}
