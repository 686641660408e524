import type { GateResult, Manifest } from '@berth/core';
import type { StepContext, StepOutcome, StepTransition } from '../../engine/executor.js';
import { findDeployment } from '../../deployments/deployments-store.js';
import { describeFreeze, readEnvironmentPolicy } from '../../environments/environment-policy.js';
import { findRouteOwner } from '../../routes/route-owners.js';
import { approvalGate } from './gates/approval-gate.js';
import { previewArtifactGate } from './gates/preview-artifact-gate.js';
import { productionReadiness } from './gates/readiness-gate.js';
import { productionSecretsSet, schemaCompatible } from './gates/runtime-services-checks.js';
import { pollMs, type PromotionDeps } from './promotion-deps.js';
import { promotionInput, promotionPlan } from './promotion-record.js';
import { waitStartedAt } from './step-waits.js';
import { undoProductionRun } from './undo-production-run.js';

/**
 * `policy_check`: the four gates that guard `route_cas`, in the order a person fixes them. A frozen
 * environment refuses a promotion (not a rollback); a route owner that moved since the plan is a
 * route epoch conflict; a promotion requested while an earlier one of the same environment is
 * unfinished waits for it (then usually finds the epoch moved); approval and readiness wait with
 * their gate pending, each up to its deadline. Only then does the promotion go on to the swap.
 */
export async function policyCheckStep(deps: PromotionDeps, ctx: StepContext): Promise<StepOutcome> {
  const op = ctx.operation;
  const input = promotionInput(op);
  const plan = promotionPlan(op);
  const fail = async (step: StepTransition): Promise<StepTransition> => {
    await undoProductionRun(deps, ctx);
    return step;
  };
  const deployment = await findDeployment(deps.db, input.deploymentId);
  const policy = await readEnvironmentPolicy(deps.db, op.subject.id);
  if (!deployment || !policy) return fail({ to: 'failed', sentence: 'The deployment or the environment was deleted.', reason: `Deployment ${input.deploymentId} or its production environment no longer exists.` });
  if (policy.frozen && !input.rollback) {
    return fail({ to: 'failed', sentence: 'Production is frozen; the promotion is refused.', reason: `Production is ${describeFreeze(policy)}. Unfreeze it with \`berth env unfreeze\` to promote; a rollback is still allowed.`, evidence: { frozen: true, frozenReason: policy.frozenReason, frozenBy: policy.frozenBy, frozenAt: policy.frozenAt } });
  }

  const owner = await findRouteOwner(deps.db, plan.host);
  const current = { deploymentId: owner?.deploymentId ?? null, epoch: owner?.epoch ?? 0 };
  const epochGate: GateResult = current.epoch === plan.previousEpoch && current.deploymentId === plan.previousDeploymentId
    ? { gate: 'route epoch predecessor current', status: 'pass', evidence: { reason: `the route owner is still ${current.deploymentId ?? 'unset'} at epoch ${current.epoch}`, ...current } }
    : { gate: 'route epoch predecessor current', status: 'fail', evidence: { reason: `the route owner moved to ${current.deploymentId ?? 'nothing'} at epoch ${current.epoch} since the promotion was planned at epoch ${plan.previousEpoch}`, expected: { deploymentId: plan.previousDeploymentId, epoch: plan.previousEpoch }, ...current } };
  if (epochGate.status === 'fail') {
    return fail({ failureMode: 'route epoch conflict', gates: [epochGate], sentence: 'Another change moved the route owner first.', reason: `${String(epochGate.evidence.reason)}: another promotion or rollback won. Read \`berth promotions list\`, then promote again if this deployment is still wanted.`, evidence: { host: plan.host } });
  }

  const artifactGate = await previewArtifactGate(deps.db, deps.artifacts, deployment, { rollback: input.rollback, environmentId: op.subject.id });
  if (artifactGate.status === 'fail') return fail({ to: 'failed', gates: [epochGate, artifactGate], sentence: 'The artifact is not the one a preview served.' });

  const [earlier] = await deps.db.query<{ id: string; state: string }>(
    "SELECT id, state FROM operations WHERE kind = 'promotion' AND subject_type = 'environment' AND subject_id = $1 AND role <> 'terminal' AND id < $2 ORDER BY id LIMIT 1",
    [op.subject.id, op.id],
  );
  if (earlier) {
    await waitStartedAt(deps.db, ctx, `earlier-promotion:${earlier.id}`, `Waiting for the earlier promotion ${earlier.id} (${earlier.state}) of this environment to finish first.`, [], { earlier: earlier.id });
    return { waitMs: pollMs.earlierPromotion };
  }

  const approval = await approvalGate(deps, ctx, policy);
  if (approval.status === 'pending') return { waitMs: pollMs.approval };
  if (approval.status === 'fail') return fail({ to: 'failed', gates: [epochGate, artifactGate, approval], sentence: 'No approval was recorded in time.' });

  const manifest = deployment.manifest as unknown as Manifest;
  const secrets = await productionSecretsSet(deps.secrets, manifest, op.subject.id);
  const runtime = (status: GateResult['status'], evidence: Record<string, unknown>): GateResult => ({ gate: 'runtime services ready', status, evidence });
  if (!secrets.ok) return fail({ to: 'failed', gates: [epochGate, artifactGate, approval, runtime('fail', { reason: secrets.reason, secrets: secrets.evidence })], sentence: 'Production is missing secrets the artifact requires.' });
  let schema: Record<string, unknown> | undefined;
  if (input.rollback) {
    const applied = current.deploymentId ? await findDeployment(deps.db, current.deploymentId) : undefined;
    const check = await schemaCompatible(deployment, applied);
    if (!check.ok) {
      return fail({ failureMode: 'DB rollback unsafe', gates: [epochGate, artifactGate, approval, runtime('fail', { reason: check.reason, schema: check.evidence })], sentence: 'The earlier artifact cannot run on the schema production has now.', reason: check.reason, evidence: check.evidence });
    }
    schema = { reason: check.reason, ...check.evidence };
  }
  const passed = { secrets: { reason: secrets.reason, ...secrets.evidence }, ...(schema ? { schema } : {}) };
  const readiness = await productionReadiness(deps, ctx, deployment, passed);
  if (readiness.status === 'pending') return { waitMs: pollMs.readiness };
  const gates = [epochGate, artifactGate, approval, readiness];
  if (readiness.status === 'fail') return fail({ to: 'failed', gates, sentence: 'Production allocations of the deployment did not become ready.' });
  return { to: 'route_cas', gates, sentence: `Every gate passed: ${plan.host} can move to ${deployment.id} (${deployment.digest}).` };
}
