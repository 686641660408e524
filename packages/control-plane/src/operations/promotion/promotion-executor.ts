import { BerthError } from '@berth/core';
import type { Executor, StepOutcome } from '../../engine/executor.js';
import { edgePropagationStep } from './edge-propagation-step.js';
import { lateWorkerReport } from './late-worker-report.js';
import { planStep } from './plan-step.js';
import { policyCheckStep } from './policy-check-step.js';
import type { PromotionDeps } from './promotion-deps.js';
import { routeCasStep } from './route-cas-step.js';

/**
 * The production promotion (docs/operations/promotion.md): requested → policy_check → route_cas →
 * edge_propagating → healthy, or rolled_back / failed with a named failure mode. Its subject is the
 * production environment; its input names the deployment whose preview artifact production gets.
 * One step per active state; the engine persists each transition before the next step runs. A
 * step's write refused because it outlived its lease fails a promotion still under way with
 * "late worker report" (late-worker-report.ts).
 */
export function promotionExecutor(deps: PromotionDeps): Executor {
  return {
    kind: 'promotion',
    async step(ctx): Promise<StepOutcome> {
      switch (ctx.operation.state) {
        case 'requested':
          return planStep(deps, ctx);
        case 'policy_check':
          return policyCheckStep(deps, ctx);
        case 'route_cas':
          return routeCasStep(deps, ctx);
        case 'edge_propagating':
          return edgePropagationStep(deps, ctx);
        default:
          throw new BerthError('illegal_transition', `The promotion executor has no step for state "${ctx.operation.state}".`);
      }
    },
    lateReport: lateWorkerReport,
  };
}
