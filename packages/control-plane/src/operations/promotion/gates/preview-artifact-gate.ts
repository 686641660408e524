import { BerthError, type GateResult } from '@berth/core';
import type { ArtifactStore } from '@berth/builder';
import type { DeploymentRecord } from '../../../deployments/deployment-record.js';
import { findOperation } from '../../../engine/operations-store.js';
import { findRouteOwner } from '../../../routes/route-owners.js';
import type { Queryable } from '../../../store/db.js';

const gate = 'preview artifact exactly matches';

function fail(reason: string, evidence: Record<string, unknown> = {}): GateResult {
  return { gate, status: 'fail', evidence: { reason, ...evidence } };
}

/**
 * "preview artifact exactly matches": the deployment's deploy reached preview_ready, its preview
 * route owner names it with the same digest, and the artifact with that digest is in the store and
 * still hashes to its name. Production then runs exactly the bytes that were reviewed; nothing is
 * ever rebuilt, so a missing artifact fails the promotion rather than build it again.
 */
export async function previewArtifactGate(db: Queryable, artifacts: ArtifactStore, deployment: DeploymentRecord): Promise<GateResult> {
  const deploy = await findOperation(db, deployment.operationId);
  if (deploy?.state !== 'preview_ready') {
    return fail(`deployment ${deployment.id} is ${deploy?.state ?? 'unknown'}, not preview_ready: only an artifact a preview served can be promoted`, { deployState: deploy?.state ?? null });
  }
  if (!deployment.digest || !deployment.previewHost) return fail(`deployment ${deployment.id} has no artifact digest or preview hostname recorded`);
  const preview = await findRouteOwner(db, deployment.previewHost);
  const evidence = { digest: deployment.digest, previewHost: deployment.previewHost, previewOwner: preview ? { deploymentId: preview.deploymentId, digest: preview.digest, epoch: preview.epoch } : null };
  if (!preview || preview.deploymentId !== deployment.id || preview.digest !== deployment.digest) {
    return fail(`the preview ${deployment.previewHost} does not serve ${deployment.digest} of deployment ${deployment.id}`, evidence);
  }
  try {
    const stored = await artifacts.verify(deployment.digest);
    return { gate, status: 'pass', evidence: { ...evidence, size: stored.size, reason: `production gets ${deployment.digest}, the artifact its preview served, verified in the artifact store` } };
  } catch (error) {
    if (error instanceof BerthError && (error.code === 'artifact_not_found' || error.code === 'artifact_digest_mismatch')) {
      return fail(`${error.message} Nothing is rebuilt on promotion: deploy the source again for a fresh preview, then promote that`, { ...evidence, error: error.code });
    }
    throw error;
  }
}
