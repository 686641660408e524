import { BerthError } from '@berth/core';
import type { Executor, StepOutcome } from '../../engine/executor.js';
import type { WakeDeps } from './wake-deps.js';
import { gatesStep } from './gates-step.js';
import { readinessStep } from './readiness-step.js';
import { requestStep } from './request-step.js';
import { startingStep } from './starting-step.js';

/**
 * The wake (docs/operations/wake.md): cold → wake_requested → starting → readiness_wait → hot, or
 * failed with a named failure mode; hot rests until the sleep controller moves it to sleeping. Its
 * subject is the environment; requestWake() creates it (one per environment at a time, by the
 * store's index). One step per active state; the engine persists each transition before the next.
 */
export function wakeExecutor(deps: WakeDeps): Executor {
  return {
    kind: 'wake',
    async step(ctx): Promise<StepOutcome> {
      switch (ctx.operation.state) {
        case 'cold':
          return gatesStep(deps, ctx);
        case 'wake_requested':
          return requestStep(deps, ctx);
        case 'starting':
          return startingStep(deps, ctx);
        case 'readiness_wait':
          return readinessStep(deps, ctx);
        default:
          throw new BerthError('illegal_transition', `The wake executor has no step for state "${ctx.operation.state}".`);
      }
    },
  };
}
