import type { StepContext, StepOutcome } from '../../engine/executor.js';
import { findDeployment } from '../../deployments/deployments-store.js';
import { productionHostname } from '../../environments/environment-view.js';
import { findRouteOwner } from '../../routes/route-owners.js';
import type { PromotionDeps } from './promotion-deps.js';
import { promotionInput, type PromotionPlan } from './promotion-record.js';
import { productionRunOf } from './production-run.js';

/**
 * `requested` → `policy_check`: records the plan. The route owner production has now (none at
 * epoch 0 for a first promotion) is the predecessor the swap will compare against, and what
 * production runs now is what a failed promotion puts back.
 */
export async function planStep(deps: PromotionDeps, ctx: StepContext): Promise<StepOutcome> {
  const input = promotionInput(ctx.operation);
  const environmentId = ctx.operation.subject.id;
  const [meta] = await deps.db.query<{ app: string }>("SELECT a.name AS app FROM apps a JOIN environments e ON e.app_id = a.id WHERE e.id = $1 AND e.kind = 'production'", [environmentId]);
  const deployment = await findDeployment(deps.db, input.deploymentId);
  if (!meta || !deployment || !deployment.digest) {
    const reason = !meta ? 'The app or its production environment was deleted.' : `Deployment ${input.deploymentId} ${deployment ? 'has no artifact' : 'no longer exists'}; deploy again and promote the new deployment.`;
    return { to: 'failed', sentence: 'Nothing to promote.', reason };
  }
  const host = productionHostname(meta.app, deps.baseDomain);
  const owner = await findRouteOwner(deps.db, host);
  const run = await productionRunOf(deps.db, environmentId);
  const plan: PromotionPlan = {
    host,
    digest: deployment.digest,
    previousDeploymentId: owner?.deploymentId ?? null,
    previousDigest: owner?.digest ?? null,
    previousEpoch: owner?.epoch ?? 0,
    previousRun: { deploymentId: run.deploymentId, desiredCount: run.desiredCount },
  };
  const from = owner?.deploymentId ? `${owner.deploymentId} at epoch ${owner.epoch}` : 'no owner yet (epoch 0)';
  return {
    to: 'policy_check',
    sentence: `${input.rollback ? 'Rollback' : 'Promotion'} planned: ${host} from ${from} to ${deployment.id} (${deployment.digest}).`,
    evidence: { ...plan, rollback: input.rollback },
    output: { ...plan },
  };
}
