import { BerthError, type Clock } from '@berth/core';
import type { OperationEngine } from '../../engine/operation-engine.js';
import type { OperationRecord } from '../../engine/operation-record.js';
import { findOperation } from '../../engine/operations-store.js';
import { findDeployment } from '../../deployments/deployments-store.js';
import { toDeployment, type DeploymentRecord, type DeploymentRow } from '../../deployments/deployment-record.js';
import { describeFreeze, readEnvironmentPolicy } from '../../environments/environment-policy.js';
import { productionHostname } from '../../environments/environment-view.js';
import { findRouteOwner } from '../../routes/route-owners.js';
import type { Db, Queryable } from '../../store/db.js';
import type { PromotionInput } from './promotion-record.js';

export interface PromotionRequestDeps {
  db: Db;
  engine: OperationEngine;
  clock: Clock;
  baseDomain: string;
}

export interface PromotionRequest {
  orgId: string;
  appName: string;
  deployment: DeploymentRecord;
  /** Asked for as a rollback; a promotion of a deployment older than production's is one anyway. */
  rollback: boolean;
  actor: string;
  idempotencyKey?: string;
}

/** A deployment of the organization by id (dep_...) or short id, optionally within one app. */
export async function findDeploymentRef(db: Queryable, orgId: string, ref: string, appId?: string): Promise<DeploymentRecord | undefined> {
  const [row] = await db.query<DeploymentRow>(
    'SELECT * FROM deployments WHERE org_id = $1 AND (id = $2 OR short_id = $2) AND ($3::text IS NULL OR app_id = $3) LIMIT 1',
    [orgId, ref, appId ?? null],
  );
  return row ? toDeployment(row) : undefined;
}

export async function productionEnvironmentOf(db: Queryable, appId: string): Promise<string> {
  const [row] = await db.query<{ id: string }>("SELECT id FROM environments WHERE app_id = $1 AND kind = 'production'", [appId]);
  if (!row) throw new BerthError('not_found', 'The app has no production environment.');
  return row.id;
}

/**
 * The deployment production served before the current one, from the route event log: the most
 * recent other deployment, leaving out changes a rolled-back promotion made (production never
 * settled on those). Undefined when there is none.
 */
export async function previousProductionDeployment(db: Queryable, hostname: string, currentDeploymentId: string): Promise<string | undefined> {
  const [row] = await db.query<{ deployment_id: string }>(
    `SELECT r.deployment_id FROM route_events r LEFT JOIN operations o ON o.id = r.operation_id
     WHERE r.hostname = $1 AND r.type = 'route.owner' AND r.deployment_id IS NOT NULL AND r.deployment_id <> $2
       AND (o.id IS NULL OR o.state <> 'rolled_back')
     ORDER BY r.seq DESC LIMIT 1`,
    [hostname, currentDeploymentId],
  );
  return row?.deployment_id;
}

/**
 * Starts a promotion of the deployment's artifact to its app's production environment, after the
 * checks that can refuse at once: the deploy must have reached preview_ready, the deployment must
 * not be production's already, and a frozen environment refuses with its reason (a rollback is
 * let through: the "Bad Deploy" runbook freezes first and rolls back next). The gates are checked
 * again by the operation, since any of this can change before it runs.
 */
export async function requestPromotion(deps: PromotionRequestDeps, req: PromotionRequest): Promise<{ operation: OperationRecord; created: boolean }> {
  const { deployment } = req;
  const environmentId = await productionEnvironmentOf(deps.db, deployment.appId);
  const deploy = await findOperation(deps.db, deployment.operationId);
  if (deploy?.state !== 'preview_ready' || !deployment.digest) {
    throw new BerthError('deployment_not_promotable', `Deployment ${deployment.id} is ${deploy?.state ?? 'unknown'}, not preview_ready: only an artifact a preview served can be promoted.`, {
      details: { deploymentId: deployment.id, state: deploy?.state ?? null },
    });
  }
  const host = productionHostname(req.appName, deps.baseDomain);
  const owner = await findRouteOwner(deps.db, host);
  if (owner?.deploymentId === deployment.id) {
    throw new BerthError('deployment_not_promotable', `Deployment ${deployment.id} already serves ${host} (epoch ${owner.epoch}).`, { details: { deploymentId: deployment.id, epoch: owner.epoch } });
  }
  const current = owner?.deploymentId ? await findDeployment(deps.db, owner.deploymentId) : undefined;
  const rollback = req.rollback || (current !== undefined && deployment.id < current.id);
  const policy = await readEnvironmentPolicy(deps.db, environmentId);
  if (policy?.frozen && !rollback) {
    throw new BerthError('environment_frozen', `Production of ${req.appName} is ${describeFreeze(policy)}.`, {
      details: { frozenReason: policy.frozenReason, frozenBy: policy.frozenBy, frozenAt: policy.frozenAt },
    });
  }
  const input: PromotionInput = { deploymentId: deployment.id, rollback, requestedBy: req.actor };
  return deps.engine.create({
    orgId: req.orgId, kind: 'promotion', subject: { type: 'environment', id: environmentId }, input: { ...input }, actor: req.actor,
    ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
  });
}
