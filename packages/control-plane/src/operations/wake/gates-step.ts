import { machines } from '@berth/core';
import type { StepContext, StepOutcome } from '../../engine/executor.js';
import { wakeDefaults, type WakeDeps } from './wake-deps.js';
import { budgetGate, triggerGates } from './wake-gates.js';
import { wakesStartedSince } from './wake-lookup.js';
import { wakeInput } from './wake-record.js';
import { findWakeTarget, nothingToWake, wakeScale } from './wake-target.js';

/** The remedy the wake machine gives for a failure mode, for the reason a person reads. */
export function remedyOf(failureMode: string): string {
  return machines.wake.failureModes.find((mode) => mode.name === failureMode)?.remedy ?? '';
}

/**
 * `cold` → `wake_requested`: checks the three gates guarding it at once. A webhook without a
 * verified provider event id fails with "payment webhook while cold"; a wake past the
 * environment's wakes-per-minute limit fails with "wake stampede". Reads only, so it is safe to run
 * again after a takeover.
 */
export async function gatesStep(deps: WakeDeps, ctx: StepContext): Promise<StepOutcome> {
  const input = wakeInput(ctx.operation);
  const target = await findWakeTarget(deps.db, input.environmentId);
  if (!target) return { to: 'failed', sentence: 'The environment was deleted before it woke.', reason: 'The app or preview was deleted; nothing to wake.' };
  const nothing = nothingToWake(target);
  if (nothing) return { to: 'failed', sentence: 'Nothing to wake.', reason: nothing };
  const scale = wakeScale(target.manifest);
  const trigger = triggerGates(input.requestClass, input.trigger);
  const limit = deps.wakesPerMinute ?? wakeDefaults.wakesPerMinute;
  const recent = await wakesStartedSince(deps.db, input.environmentId, new Date(ctx.clock.now() - 60_000), ctx.operation.id);
  const budget = budgetGate(recent, limit, Math.max(1, scale.min), scale.wakeBudgetMs);
  const gates = [...trigger.gates, budget.gate];
  const where = `${target.appName}/${target.environmentName}`;
  if (trigger.refused) {
    return {
      failureMode: 'payment webhook while cold', gates,
      sentence: `Wake of ${where} refused: ${trigger.why}.`,
      reason: `A webhook reached ${where} while it was cold, and ${trigger.why}, so it could not be processed exactly once: the wake was refused and the provider was answered 503 to retry. ${remedyOf('payment webhook while cold')}`,
    };
  }
  if (budget.refused) {
    return {
      failureMode: 'wake stampede', gates,
      sentence: `Wake of ${where} refused: ${budget.why}.`,
      reason: `${where} was asked to wake more often than its wake budget allows (${budget.why}), so this wake started nothing and its requests were answered 503 with Retry-After. ${remedyOf('wake stampede')}`,
    };
  }
  return {
    to: 'wake_requested', gates,
    sentence: `Wake of ${where} allowed: ${trigger.why}; ${budget.why}.`,
    evidence: { requestClass: input.requestClass, edgeId: input.edgeId, deploymentId: target.deploymentId },
  };
}
