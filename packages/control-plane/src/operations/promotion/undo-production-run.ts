import type { StepContext } from '../../engine/executor.js';
import type { Queryable } from '../../store/db.js';
import { productionRunKey } from './gates/readiness-gate.js';
import type { PromotionDeps } from './promotion-deps.js';
import { promotionInput, promotionPlan } from './promotion-record.js';
import { restorePreviousRun } from './production-run.js';

/** True when this promotion pointed production's run at its deployment (its readiness wait began). */
export async function changedProductionRun(db: Queryable, operationId: string): Promise<boolean> {
  const rows = await db.query("SELECT 1 FROM operation_events WHERE operation_id = $1 AND type = 'note' AND evidence->>'waitingFor' = $2 LIMIT 1", [operationId, productionRunKey]);
  return rows.length > 0;
}

/**
 * A promotion that stops before its swap holds (failed, or rolled back) puts back what production
 * ran before it, fenced by its lease; the scheduler then drains the allocations it started.
 */
export async function undoProductionRun(deps: PromotionDeps, ctx: StepContext, tx?: Queryable): Promise<void> {
  const op = ctx.operation;
  if (!(await changedProductionRun(tx ?? deps.db, op.id))) return;
  const restore = (q: Queryable) => restorePreviousRun(q, op.subject.id, promotionInput(op).deploymentId, promotionPlan(op), new Date(ctx.clock.now()));
  if (tx) await restore(tx);
  else await ctx.fenced('production run change', restore);
  deps.onSchedulingChange?.();
}
