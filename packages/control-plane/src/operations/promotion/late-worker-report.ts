import type { RefusedWrite, StepTransition } from '../../engine/executor.js';
import type { OperationRecord } from '../../engine/operation-record.js';
import { findRouteOwner } from '../../routes/route-owners.js';
import type { Queryable } from '../../store/db.js';
import { restorePreviousRun } from './production-run.js';
import { promotionInput, type PromotionPlan } from './promotion-record.js';
import { changedProductionRun } from './undo-production-run.js';

/**
 * The failure mode "late worker report": a step of this promotion that had lost its lease tried a
 * write (a route owner swap, a production run change) after another engine took the promotion
 * over. The fence refused it; the promotion cannot order that report against what its new holder
 * did, so it stops rather than act on either. Runs in the transaction that records the refusal
 * (see engine/lease-fence.ts), so nothing moves between reading the route owner and failing.
 *
 * The route owner stays where the last recorded route event put it. When that is not this
 * promotion's deployment (the swap never happened, or was rolled back), production's run is put
 * back as any failure before the swap puts it back, and the scheduler drains what was started.
 */
export async function lateWorkerReport(tx: Queryable, current: OperationRecord, refused: RefusedWrite, now: Date): Promise<StepTransition> {
  const input = promotionInput(current);
  const plan = current.output as Partial<PromotionPlan>;
  const owner = plan.host ? await findRouteOwner(tx, plan.host) : undefined;
  const [last] = plan.host
    ? await tx.query<{ seq: string; operation_id: string | null }>("SELECT seq, operation_id FROM route_events WHERE hostname = $1 AND type = 'route.owner' ORDER BY seq DESC LIMIT 1", [plan.host])
    : [];
  const onPromoted = owner?.deploymentId === input.deploymentId;
  const putBack = !onPromoted && plan.previousRun !== undefined && (await changedProductionRun(tx, current.id));
  if (putBack) await restorePreviousRun(tx, current.subject.id, input.deploymentId, { previousRun: plan.previousRun! }, now);

  const where = !plan.host
    ? 'production\'s route owner was not read yet'
    : owner?.deploymentId
      ? `${plan.host} is on ${owner.deploymentId} at epoch ${owner.epoch}${last ? ` (route event ${last.seq}${last.operation_id === current.id ? ', written by this promotion' : ''})` : ''}, where the last recorded route event put it`
      : `${plan.host} has no route owner yet`;
  const holder = current.lease && current.lease.owner !== refused.owner ? `, held by ${current.lease.owner}` : '';
  const reason = `A step of this promotion that had lost its lease tried the ${refused.action} (acting on version ${refused.version}, state "${refused.state}") after the promotion moved on to version ${current.version} (state "${current.state}"${holder}); the fence refused it, and the promotion stops rather than act on a report it cannot order. ${where}${putBack ? '; production\'s run was put back to what it ran before' : ''}. Read the refused report in the timeline (\`berth ops show ${current.id}\`), then promote ${input.deploymentId} again if production is not on it.`;
  return {
    failureMode: 'late worker report',
    sentence: `The promotion stops: the ${refused.action} of a step that had lost its lease was refused.`,
    reason,
    evidence: {
      refused: { ...refused },
      current: { version: current.version, state: current.state, leaseOwner: current.lease?.owner ?? null },
      routeOwner: owner ? { hostname: owner.hostname, deploymentId: owner.deploymentId, digest: owner.digest, epoch: owner.epoch, seq: last ? Number(last.seq) : null } : null,
      productionRunRestored: putBack,
    },
  };
}
