import type { StepContext, StepTransition } from '../../engine/executor.js';
import { allocationAttempt, describeOutput, type AllocationAttempt } from './allocation-attempt.js';
import type { WakeDeps } from './wake-deps.js';
import { gateNames } from './wake-gates.js';
import { remedyOf } from './gates-step.js';
import type { WakeOutput } from './wake-record.js';
import { epochsOf, wakeScale, type WakeTarget } from './wake-target.js';

/**
 * "old route epoch" when any route owner of the environment moved since the wake noted it: the
 * allocation being started belongs to a deployment that may no longer own the route.
 */
export function epochMoved(output: WakeOutput, target: WakeTarget): StepTransition | undefined {
  const noted = output.routeEpochs ?? {};
  const now = epochsOf(target.owners);
  const moved = Object.keys({ ...noted, ...now }).filter((host) => noted[host] !== now[host]).sort();
  if (moved.length === 0) return undefined;
  const changes = moved.map((host) => `${host} from epoch ${noted[host] ?? 'none'} to ${now[host] ?? 'none'}`).join(', ');
  return {
    failureMode: 'old route epoch',
    sentence: `The route owner moved during the wake (${changes}); the allocation it started must not serve.`,
    evidence: { notedEpochs: noted, currentEpochs: now, deploymentId: output.deploymentId ?? null, currentDeploymentId: target.deploymentId },
    reason: `The route owner of ${target.appName}/${target.environmentName} moved during the wake (${changes}), so this wake of ${output.deploymentId} was abandoned. ${remedyOf('old route epoch')}`,
  };
}

/**
 * A wake that failed readiness puts a sleep-capable app (`[scale] min = 0`) back to sleep, so a
 * broken app does not keep running (and the scheduler stops the allocation that did not pass).
 * Only while the environment still runs the deployment the wake woke.
 */
export async function putBackToSleep(deps: WakeDeps, target: WakeTarget, output: WakeOutput, why: string, now: Date): Promise<boolean> {
  if (wakeScale(target.manifest).min !== 0) return false;
  const rows = await deps.db.query(
    `UPDATE environments SET desired_count = 0, sleep_state = 'sleeping', sleeping_since = $3, sleep_evidence = $4::jsonb
     WHERE id = $1 AND deployment_id IS NOT DISTINCT FROM $2 RETURNING id`,
    [target.environmentId, output.deploymentId ?? target.deploymentId, now, JSON.stringify({ reason: why, at: now.toISOString() })],
  );
  deps.onSchedulingChange?.();
  return rows.length > 0;
}

/** The hint a person acts on after a readiness timeout: where to look, what to check, what to raise. */
export function readinessHint(target: WakeTarget): string {
  const health = target.manifest?.run?.health ?? '/';
  return `Read the app's output with \`berth logs --app ${target.appName} --env ${target.environmentName}\` and the attempt with \`berth wake status ${target.appName} --env ${target.environmentName}\`; check that GET ${health} answers 2xx once the app listens on $PORT; if the app is only slow, raise [scale] wake_budget in berth.toml or the control plane's wake readiness timeout. The next request starts a new wake.`;
}

/**
 * `failed` with "readiness timeout": the attempt's last output and its health evidence go into the
 * evidence and the failing "allocation passes readiness" gate, and the app goes back to sleep.
 */
export async function readinessTimedOut(deps: WakeDeps, ctx: StepContext, target: WakeTarget, output: WakeOutput, what: string, allocationId: string | undefined): Promise<StepTransition> {
  const attempt: AllocationAttempt | undefined = allocationId ? await allocationAttempt(deps.db, allocationId) : undefined;
  const now = new Date(ctx.clock.now());
  const where = `${target.appName}/${target.environmentName}`;
  const slept = await putBackToSleep(deps, target, output, `the wake ${ctx.operation.id} failed: readiness timeout`, now);
  const evidence = {
    allocationId: attempt?.id ?? null,
    allocationState: attempt?.state ?? null,
    allocationReason: attempt?.reason ?? null,
    health: attempt?.health ?? null,
    lastLogs: attempt?.lastLogs ?? [],
    deadlineAt: output.deadlineAt ?? null,
    desiredCountPutBackTo: slept ? 0 : null,
    runStatusReason: target.runStatusReason,
  };
  return {
    failureMode: 'readiness timeout',
    gates: [{ gate: gateNames.readiness, status: 'fail', evidence }],
    sentence: `${where} did not become ready: ${what}.`,
    evidence,
    reason: `${where} did not pass readiness: ${what}${attempt ? `; ${describeOutput(attempt)}` : ''}.${slept ? ' It was put back to sleep.' : ''} ${readinessHint(target)}`,
  };
}
