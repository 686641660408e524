import { findAllocation } from '../../allocations/allocations-store.js';
import type { StepContext, StepOutcome } from '../../engine/executor.js';
import { findOperation } from '../../engine/operations-store.js';
import { wakePollMs, type WakeDeps } from './wake-deps.js';
import { epochMoved, readinessTimedOut } from './wake-failure.js';
import { gateNames } from './wake-gates.js';
import { wakeInput, wakeOutput } from './wake-record.js';
import { liveAllocationsOf } from './starting-step.js';
import { findWakeTarget } from './wake-target.js';

/**
 * `readiness_wait` → `hot` only once an allocation of the woken deployment is `ready`, which the
 * runner reports only after its health path answered 2xx: the gate "allocation passes readiness"
 * carries that allocation's id and its readiness evidence, so a wake is never hot before
 * readiness. The attempt failing or stopping first, or the deadline passing, fails the wake with
 * "readiness timeout" (a wake starts at most one attempt; the next request starts a new wake).
 */
export async function readinessStep(deps: WakeDeps, ctx: StepContext): Promise<StepOutcome> {
  const input = wakeInput(ctx.operation);
  const output = wakeOutput(ctx.operation);
  const target = await findWakeTarget(deps.db, input.environmentId);
  if (!target) return { to: 'failed', sentence: 'The environment was deleted during the wake.', reason: 'The app or preview was deleted; nothing to wake.' };
  const moved = epochMoved(output, target);
  if (moved) return moved;
  const live = await liveAllocationsOf(deps.db, input.environmentId, output.deploymentId!);
  const ready = live.find((a) => a.state === 'ready');
  if (ready) {
    const health = (await findOperation(deps.db, ready.operationId))?.gates['health/readiness pass'] ?? null;
    const evidence = { allocationId: ready.id, address: ready.address, hostId: ready.hostId, readiness: health };
    await deps.db.query('UPDATE environments SET last_activity_at = $2 WHERE id = $1', [input.environmentId, new Date(ctx.clock.now())]);
    return {
      to: 'hot',
      gates: [{ gate: gateNames.readiness, status: 'pass', evidence }],
      sentence: `Allocation ${ready.id} passed readiness${ready.address ? ` at ${ready.address.host}:${ready.address.port}` : ''}: ${target.appName}/${target.environmentName} is hot.`,
      evidence,
      output: { allocationId: ready.id },
    };
  }
  const tracked = output.allocationId ? await findAllocation(deps.db, output.allocationId) : undefined;
  // The attempt ended: the wake does not wait for a replacement, so a crashing app costs one start per wake.
  if ((tracked && tracked.role === 'terminal') || live.length === 0) {
    const what = tracked
      ? `allocation ${tracked.id} ended ${tracked.state} before it passed readiness${tracked.reason ? ` (${tracked.reason})` : ''}`
      : 'the allocation it waited on is gone';
    return readinessTimedOut(deps, ctx, target, output, what, tracked?.id);
  }
  if (ctx.clock.now() >= Date.parse(output.deadlineAt!)) {
    const attempt = live[0]!;
    const health = target.manifest?.run?.health ?? '/';
    const what = `allocation ${attempt.id} was still ${attempt.state} at the deadline ${output.deadlineAt} (GET ${health} had not answered 2xx)`;
    return readinessTimedOut(deps, ctx, target, output, what, attempt.id);
  }
  return { waitMs: wakePollMs };
}
