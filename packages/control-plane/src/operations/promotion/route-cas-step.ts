import { BerthError } from '@berth/core';
import type { StepContext, StepOutcome } from '../../engine/executor.js';
import { swapRouteOwner } from '../../routes/route-owners.js';
import type { PromotionDeps } from './promotion-deps.js';
import { promotionInput, promotionPlan, type PromotionSwap } from './promotion-record.js';
import { routeEventsOf } from './route-events-of-operation.js';
import { undoProductionRun } from './undo-production-run.js';

/**
 * `route_cas`: points the production route owner at the deployment by compare-and-swap on the
 * planned epoch, fenced by the lease, which appends the route event edges apply. A lost race is the
 * failure mode "route epoch conflict". Run again after a crash or a takeover, it finds its own
 * route event and carries on without a second swap.
 */
export async function routeCasStep(deps: PromotionDeps, ctx: StepContext): Promise<StepOutcome> {
  const op = ctx.operation;
  const input = promotionInput(op);
  const plan = promotionPlan(op);
  const [done] = await routeEventsOf(deps.db, op.id, plan.host);
  if (done) {
    const swap: PromotionSwap = { epoch: done.epoch, seq: done.seq, swappedAt: done.at };
    return { to: 'edge_propagating', sentence: `${plan.host} already names ${input.deploymentId} at epoch ${done.epoch} (route event ${done.seq}, written before a takeover).`, output: { ...swap }, evidence: { ...swap, takeover: ctx.takeover } };
  }
  await deps.beforeSwap?.(op.id);
  try {
    const swapped = await ctx.fenced('route owner swap', (tx) => swapRouteOwner(tx, {
      hostname: plan.host, environmentId: op.subject.id, deploymentId: input.deploymentId, digest: plan.digest,
      expectedEpoch: plan.previousEpoch, operationId: op.id, now: new Date(ctx.clock.now()),
    }));
    const swap: PromotionSwap = { epoch: swapped.owner.epoch, seq: swapped.seq, swappedAt: swapped.owner.updatedAt };
    return {
      to: 'edge_propagating',
      sentence: `${plan.host} now names ${input.deploymentId} (${plan.digest}) at epoch ${swap.epoch}; route event ${swap.seq} goes out to the edges.`,
      output: { ...swap },
      evidence: { ...swap, previousDeploymentId: plan.previousDeploymentId, previousEpoch: plan.previousEpoch },
    };
  } catch (error) {
    if (!(error instanceof BerthError) || error.code !== 'route_epoch_conflict') throw error;
    await undoProductionRun(deps, ctx);
    return {
      failureMode: 'route epoch conflict',
      sentence: 'The compare-and-swap lost: another change moved the route owner first.',
      reason: `${error.message} Read \`berth promotions list\` to see which deployment production serves, then promote again if this one is still wanted.`,
      evidence: { ...(error.details ?? {}) },
    };
  }
}
