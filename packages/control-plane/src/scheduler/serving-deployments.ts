import type { Queryable } from '../store/db.js';

/**
 * The deployments of an environment whose allocations must keep running whatever the environment's
 * own deployment is: the ones its route owners name (they serve now), and the target and the
 * previous owner of each unfinished promotion of the environment, so the old owner keeps serving
 * until the swap has propagated and a rollback has something to serve. Once the promotion ends they
 * drain like any other older deployment's allocations.
 */
export async function deploymentsStillServing(db: Queryable, environmentId: string): Promise<Set<string>> {
  const rows = await db.query<{ deployment_id: string | null }>(
    `SELECT deployment_id FROM route_owners WHERE environment_id = $1
     UNION SELECT input->>'deploymentId' FROM operations
       WHERE kind = 'promotion' AND subject_type = 'environment' AND subject_id = $1 AND role <> 'terminal'
     UNION SELECT output->>'previousDeploymentId' FROM operations
       WHERE kind = 'promotion' AND subject_type = 'environment' AND subject_id = $1 AND role <> 'terminal'`,
    [environmentId],
  );
  return new Set(rows.map((r) => r.deployment_id).filter((id): id is string => id !== null));
}
