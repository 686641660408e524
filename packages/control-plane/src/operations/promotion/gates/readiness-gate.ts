import type { GateResult, Manifest } from '@berth/core';
import type { StepContext } from '../../../engine/executor.js';
import type { DeploymentRecord } from '../../../deployments/deployment-record.js';
import { promotionDefaults, type PromotionDeps } from '../promotion-deps.js';
import { desiredCountFor, productionRunOf, readinessOf, runInProduction } from '../production-run.js';
import { waitStartedAt } from '../step-waits.js';

const gate = 'runtime services ready';

/** The note that says this promotion pointed production's run at its deployment (a failure puts it back). */
export const productionRunKey = 'production-run';

/**
 * The allocation part of "runtime services ready": production runs the deployment (`[scale] min`
 * allocations, at least one; none for an assets-only app) and at least one of them passed
 * readiness before the route owner moves. Pending while they start; failing at
 * `promotionReadyTimeoutMs`, or at once when production went into a crash loop.
 */
export async function productionReadiness(deps: PromotionDeps, ctx: StepContext, deployment: DeploymentRecord, passed: Record<string, unknown>): Promise<GateResult> {
  const environmentId = ctx.operation.subject.id;
  const count = desiredCountFor(deployment.manifest as unknown as Manifest | null);
  const pending: GateResult = { gate, status: 'pending', evidence: { ...passed, reason: `waiting for a ready production allocation of ${deployment.id}`, desiredCount: count } };
  const since = await waitStartedAt(deps.db, ctx, productionRunKey, `Production starts ${count} allocation${count === 1 ? '' : 's'} of ${deployment.id} before the swap; the current owner keeps serving meanwhile.`, [pending], { deploymentId: deployment.id, desiredCount: count });
  const changed = await ctx.fenced('production run change', (tx) => runInProduction(tx, environmentId, deployment.id, count, new Date(ctx.clock.now())));
  if (changed) deps.onSchedulingChange?.();
  if (count === 0) return { gate, status: 'pass', evidence: { ...passed, desiredCount: 0, reason: 'an assets-only app: the edge serves its files, no allocation is needed' } };

  const readiness = await readinessOf(deps.db, environmentId, deployment.id);
  if (readiness.ready > 0) {
    return { gate, status: 'pass', evidence: { ...passed, ...readiness, reason: `${readiness.ready} production allocation${readiness.ready === 1 ? '' : 's'} of ${deployment.id} passed readiness` } };
  }
  const run = await productionRunOf(deps.db, environmentId);
  if (run.runStatus === 'crashloop') {
    return { gate, status: 'fail', evidence: { ...passed, ...readiness, reason: `production allocations of ${deployment.id} keep failing: ${run.runStatusReason ?? 'crash loop'}` } };
  }
  const timeoutMs = deps.promotionReadyTimeoutMs ?? promotionDefaults.promotionReadyTimeoutMs;
  if (ctx.clock.now() - since <= timeoutMs) return { ...pending, evidence: { ...pending.evidence, ...readiness } };
  return {
    gate, status: 'fail',
    evidence: { ...passed, ...readiness, reason: `no production allocation of ${deployment.id} passed readiness within ${Math.round(timeoutMs / 1000)} s${run.runStatusReason ? ` (${run.runStatusReason})` : ''}; read \`berth allocs list --env production\` and the app's logs, then promote again` },
  };
}
