import { requiredSecretNames, type AllocationAssignment, type Manifest } from '@berth/core';
import type { Db } from '../store/db.js';
import type { AllocationRecord } from '../allocations/allocations-store.js';
import { findDeployment } from '../deployments/deployments-store.js';
import type { SecretResolver } from '../operations/deploy/deploy-deps.js';

/**
 * What a runner needs to start an allocation: the artifact's digest, the run spec from the
 * deployment's manifest, and the environment's secrets. A preview environment uses its own
 * secrets first and its deploy's target environment's for the rest, so a preview runs with the
 * secrets its deploy was validated against unless it is given its own.
 */
export async function buildAssignment(db: Db, secrets: SecretResolver, allocation: AllocationRecord): Promise<AllocationAssignment> {
  const deployment = await findDeployment(db, allocation.deploymentId);
  if (!deployment) throw new Error(`allocation ${allocation.id} names a missing deployment`);
  const manifest = deployment.manifest as unknown as Manifest;
  const run = manifest.run;
  const names = requiredSecretNames(manifest);
  const own = await secrets.resolve(allocation.environmentId, names);
  const inherited = own.missing.length > 0 && deployment.targetEnvironmentId !== allocation.environmentId
    ? await secrets.resolve(deployment.targetEnvironmentId, own.missing)
    : { values: {}, missing: own.missing };
  const [meta] = await db.query<{ app: string; env: string }>('SELECT a.name AS app, e.name AS env FROM apps a JOIN environments e ON e.app_id = a.id WHERE e.id = $1', [allocation.environmentId]);
  return {
    allocationId: allocation.id,
    version: allocation.version,
    deploymentId: deployment.id,
    digest: allocation.digest,
    command: run?.command ?? 'true',
    health: run?.health ?? '/',
    ...(run?.port ? { port: run.port } : {}),
    memoryBytes: run?.memoryBytes ?? allocation.memoryBytes,
    drainTimeoutMs: run?.drainTimeoutMs ?? 30_000,
    ...(run?.image ? { image: run.image } : {}),
    env: {
      ...inherited.values,
      ...own.values,
      BERTH_APP: meta?.app ?? '',
      BERTH_ENVIRONMENT: meta?.env ?? '',
      BERTH_DEPLOYMENT_ID: deployment.id,
      BERTH_ALLOCATION_ID: allocation.id,
    },
    missingSecrets: inherited.missing,
  };
}
