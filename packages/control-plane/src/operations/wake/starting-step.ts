import { allocationsWhere, type AllocationRecord } from '../../allocations/allocations-store.js';
import type { StepContext, StepOutcome } from '../../engine/executor.js';
import type { Queryable } from '../../store/db.js';
import { wakePollMs, type WakeDeps } from './wake-deps.js';
import { epochMoved, readinessTimedOut } from './wake-failure.js';
import { wakeInput, wakeOutput } from './wake-record.js';
import { findWakeTarget } from './wake-target.js';

/** The live allocations of the woken deployment in the environment, ready ones first, then newest. */
export async function liveAllocationsOf(db: Queryable, environmentId: string, deploymentId: string): Promise<AllocationRecord[]> {
  const live = (await allocationsWhere(db, { environmentId, live: true })).filter((a) => a.deploymentId === deploymentId && a.state !== 'draining');
  return live.sort((a, b) => Number(b.state === 'ready') - Number(a.state === 'ready') || b.id.localeCompare(a.id));
}

/**
 * `starting` → `readiness_wait` once the scheduler placed an allocation of the woken deployment
 * (planned, pulling or starting; a ready one, too, if the app was awake after all). Waits, handing
 * the lease back, until then or until the readiness deadline.
 */
export async function startingStep(deps: WakeDeps, ctx: StepContext): Promise<StepOutcome> {
  const input = wakeInput(ctx.operation);
  const output = wakeOutput(ctx.operation);
  const target = await findWakeTarget(deps.db, input.environmentId);
  if (!target) return { to: 'failed', sentence: 'The environment was deleted during the wake.', reason: 'The app or preview was deleted; nothing to wake.' };
  const moved = epochMoved(output, target);
  if (moved) return moved;
  const [allocation] = await liveAllocationsOf(deps.db, input.environmentId, output.deploymentId!);
  if (allocation) {
    return {
      to: 'readiness_wait',
      sentence: `Allocation ${allocation.id} of ${allocation.deploymentId} is ${allocation.state} on host ${allocation.hostId}.`,
      evidence: { allocation: { id: allocation.id, state: allocation.state, hostId: allocation.hostId, digest: allocation.digest } },
      output: { allocationId: allocation.id },
    };
  }
  if (ctx.clock.now() >= Date.parse(output.deadlineAt!)) {
    const why = target.runStatusReason ? `no allocation was placed by ${output.deadlineAt} (${target.runStatusReason})` : `no allocation was placed by ${output.deadlineAt}`;
    return readinessTimedOut(deps, ctx, target, output, why, undefined);
  }
  return { waitMs: wakePollMs };
}
