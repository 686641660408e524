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

/** A production route event that named the deployment with its digest: proof production served those bytes. */
interface ServedInProduction {
  seq: number;
  at: string;
  hostname: string;
  epoch: number;
  operationId: string | null;
}

/**
 * The latest production route-owner event naming this deployment with this digest, leaving out the
 * swap of a promotion that was rolled back to its predecessor (production never settled on that).
 */
async function servedInProduction(db: Queryable, environmentId: string, deploymentId: string, digest: string): Promise<ServedInProduction | undefined> {
  const [row] = await db.query<{ seq: string; at: Date; hostname: string; epoch: number; operation_id: string | null }>(
    `SELECT r.seq, r.at, r.hostname, r.epoch, r.operation_id FROM route_events r LEFT JOIN operations o ON o.id = r.operation_id
     WHERE r.environment_id = $1 AND r.type = 'route.owner' AND r.deployment_id = $2 AND r.digest = $3
       AND (o.id IS NULL OR o.state <> 'rolled_back' OR o.input->>'deploymentId' IS DISTINCT FROM r.deployment_id)
     ORDER BY r.seq DESC LIMIT 1`,
    [environmentId, deploymentId, digest],
  );
  return row ? { seq: Number(row.seq), at: row.at.toISOString(), hostname: row.hostname, epoch: row.epoch, operationId: row.operation_id } : undefined;
}

/**
 * "preview artifact exactly matches": the deployment's deploy reached preview_ready, and one of two
 * proofs says which bytes production gets. For any promotion: its preview route owner still names
 * it with the same digest (`proof: "preview"`). For a rollback whose preview was replaced or
 * removed since: a production route event named it with that digest (`proof: "served in
 * production"`), so production goes back to bytes it already served. Either way the artifact with
 * that digest must be in the store and still hash to its name. Nothing is ever rebuilt, so a
 * missing artifact fails the promotion rather than build it again.
 */
export async function previewArtifactGate(db: Queryable, artifacts: ArtifactStore, deployment: DeploymentRecord, promotion: { rollback: boolean; environmentId: string }): Promise<GateResult> {
  const deploy = await findOperation(db, deployment.operationId);
  if (deploy?.state !== 'preview_ready') {
    return fail(`deployment ${deployment.id} is ${deploy?.state ?? 'unknown'}, not preview_ready: only an artifact a preview served can be promoted`, { deployState: deploy?.state ?? null });
  }
  if (!deployment.digest || !deployment.previewHost) return fail(`deployment ${deployment.id} has no artifact digest or preview hostname recorded`);
  const preview = await findRouteOwner(db, deployment.previewHost);
  const previewOwner = preview ? { deploymentId: preview.deploymentId, digest: preview.digest, epoch: preview.epoch } : null;
  let evidence: Record<string, unknown> = { digest: deployment.digest, previewHost: deployment.previewHost, previewOwner };
  let served: string;
  if (preview && preview.deploymentId === deployment.id && preview.digest === deployment.digest) {
    evidence = { ...evidence, proof: 'preview' };
    served = 'the artifact its preview serves';
  } else {
    const previewGone = `the preview ${deployment.previewHost} does not serve ${deployment.digest} of deployment ${deployment.id}`;
    if (!promotion.rollback) return fail(previewGone, evidence);
    const production = await servedInProduction(db, promotion.environmentId, deployment.id, deployment.digest);
    if (!production) return fail(`${previewGone}, and production never served it: a rollback goes back only to bytes production served`, { ...evidence, productionRouteEvent: null });
    evidence = { ...evidence, proof: 'served in production', productionRouteEvent: production };
    served = `the artifact production served at epoch ${production.epoch} (route event ${production.seq}; its preview is gone)`;
  }
  try {
    const stored = await artifacts.verify(deployment.digest);
    return { gate, status: 'pass', evidence: { ...evidence, size: stored.size, reason: `production gets ${deployment.digest}, ${served}, verified in the artifact store` } };
  } catch (error) {
    if (error instanceof BerthError && (error.code === 'artifact_not_found' || error.code === 'artifact_digest_mismatch')) {
      return fail(`${error.message} Nothing is rebuilt on promotion: deploy the source again for a fresh preview, then promote that`, { ...evidence, error: error.code });
    }
    throw error;
  }
}
