import type { StepContext, StepOutcome } from '../../engine/executor.js';
import { readinessDeadline, type WakeDeps } from './wake-deps.js';
import { remedyOf } from './gates-step.js';
import { wakeInput, type WakeOutput } from './wake-record.js';
import { epochsOf, findWakeTarget, nothingToWake, wakeScale } from './wake-target.js';

/**
 * `wake_requested` → `starting`: asks the scheduler for the app's allocations by raising the
 * environment's desired count to max(1, `[scale] min`) (never lowering it, so running it twice
 * after a takeover changes nothing), marks the environment awake, and notes the route owner's
 * epoch: an allocation started for an owner that moves during the wake must never serve.
 */
export async function requestStep(deps: WakeDeps, ctx: StepContext): Promise<StepOutcome> {
  const input = wakeInput(ctx.operation);
  const target = await findWakeTarget(deps.db, input.environmentId);
  const nothing = target ? nothingToWake(target) : 'The app or preview was deleted.';
  if (!target || nothing) return { to: 'failed', sentence: 'Nothing to wake.', reason: nothing ?? 'Nothing to wake.' };
  const where = `${target.appName}/${target.environmentName}`;
  if (target.runStatus === 'crashloop') {
    return {
      failureMode: 'readiness timeout',
      sentence: `${where} is in crashloop: no allocation will be started for this wake.`,
      evidence: { runStatus: target.runStatus, runStatusReason: target.runStatusReason },
      reason: `${where} cannot pass readiness: it is in crashloop (${target.runStatusReason ?? 'repeated failures'}). Fix the app and deploy again, or run \`berth scale --app ${target.appName} --env ${target.environmentName} --count 1\` to try once more. ${remedyOf('readiness timeout')}`,
    };
  }
  const scale = wakeScale(target.manifest);
  const desiredCount = Math.max(1, scale.min);
  const now = new Date(ctx.clock.now());
  await deps.db.query(
    `UPDATE environments SET desired_count = GREATEST(desired_count, $2), deployment_id = coalesce(deployment_id, $3),
       sleep_state = 'awake', sleeping_since = NULL, sleep_evidence = NULL, last_activity_at = $4
     WHERE id = $1`,
    [input.environmentId, desiredCount, target.deploymentId, now],
  );
  deps.onSchedulingChange?.();
  const deadline = readinessDeadline(deps, Date.parse(ctx.operation.createdAt), scale.wakeBudgetMs);
  const owner = target.owners[0]!;
  const output: WakeOutput = {
    deploymentId: target.deploymentId!,
    routeEpochs: epochsOf(target.owners),
    routeEpoch: owner.epoch,
    desiredCount,
    budgetMs: scale.wakeBudgetMs,
    deadlineAt: new Date(deadline).toISOString(),
  };
  const mismatch = target.runningDeploymentId && target.runningDeploymentId !== target.deploymentId
    ? { runningDeploymentId: target.runningDeploymentId, note: 'the environment runs another deployment than its route owner names (a promotion is under way)' }
    : {};
  return {
    to: 'starting',
    sentence: `${where} wakes: ${desiredCount} allocation${desiredCount === 1 ? '' : 's'} of ${target.deploymentId} (route owner ${owner.hostname} at epoch ${owner.epoch}), ready by ${output.deadlineAt}.`,
    evidence: { ...output, ...mismatch },
    output: { ...output },
  };
}
