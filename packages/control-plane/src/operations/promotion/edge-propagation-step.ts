import { BerthError } from '@berth/core';
import type { StepContext, StepOutcome } from '../../engine/executor.js';
import { swapRouteOwner } from '../../routes/route-owners.js';
import { edgesBehind, incidentsSince } from '../../edges/index.js';
import { liveEdgeCount } from './edge-acknowledgement.js';
import { pollMs, promotionDefaults, type PromotionDeps } from './promotion-deps.js';
import { promotionInput, promotionSwap } from './promotion-record.js';
import { routeEventsOf } from './route-events-of-operation.js';
import { restorePreviousRun } from './production-run.js';

/**
 * `edge_propagating`: waits until every live edge has applied the swap's route event. Past
 * `propagationDeadlineMs` it rolls back: the route owner is pointed back at the previous deployment
 * (compare-and-swap on the new epoch, so it moves to epoch + 2) whose allocations the scheduler
 * kept, and the evidence names the edges that did not acknowledge; "edge replay gap" when an edge
 * recorded a propagation incident since the swap. With nothing to go back to, it fails instead.
 */
export async function edgePropagationStep(deps: PromotionDeps, ctx: StepContext): Promise<StepOutcome> {
  const op = ctx.operation;
  const input = promotionInput(op);
  const swap = promotionSwap(op);
  const now = new Date(ctx.clock.now());
  const edgeTimeoutMs = deps.edgeTimeoutMs ?? promotionDefaults.edgeTimeoutMs;
  const events = await routeEventsOf(deps.db, op.id, swap.host);
  const rolledBack = events.find((e) => e.seq > swap.seq);
  if (rolledBack) return rolledBackOutcome(rolledBack.epoch, rolledBack.seq, 'The route owner was already pointed back (before a takeover).', {});

  const behind = (await edgesBehind(deps.db, swap.seq, now, edgeTimeoutMs)).map((e) => ({ id: e.id, name: e.name, region: e.region, appliedSeq: e.appliedSeq, lastSeenAt: e.lastSeenAt, degradedReason: e.degradedReason }));
  if (behind.length === 0) {
    const edges = await liveEdgeCount(deps.db, now, edgeTimeoutMs);
    return {
      to: 'healthy',
      sentence: edges === 0 ? `No live edge is registered; ${swap.host} is served by ${input.deploymentId} at epoch ${swap.epoch}.` : `All ${edges} live edge${edges === 1 ? '' : 's'} applied route event ${swap.seq}: ${swap.host} is served by ${input.deploymentId} at epoch ${swap.epoch}.`,
      evidence: { seq: swap.seq, epoch: swap.epoch, liveEdges: edges },
    };
  }
  const deadlineMs = deps.propagationDeadlineMs ?? promotionDefaults.propagationDeadlineMs;
  if (now.getTime() - Date.parse(swap.swappedAt) <= deadlineMs) return { waitMs: pollMs.propagation };

  const incidents = (await incidentsSince(deps.db, new Date(swap.swappedAt))).map((i) => ({ id: i.id, edge: i.edgeName, kind: i.kind, detail: i.detail, at: i.at }));
  const names = behind.map((e) => `${e.name} (applied ${e.appliedSeq})`).join(', ');
  const evidence = { seq: swap.seq, deadlineMs, notAcknowledged: behind, incidents };
  if (!swap.previousDeploymentId) {
    return {
      to: 'failed', sentence: 'Edges did not apply the route change, and there is no earlier deployment to roll back to.', evidence,
      reason: `Edge${behind.length === 1 ? '' : 's'} ${names} did not apply route event ${swap.seq} within ${deadlineMs} ms; production had no owner before, so it stays on ${input.deploymentId}. Check the edges (\`berth edges list\`).`,
    };
  }
  try {
    const back = await ctx.fenced('rollback swap', async (tx) => {
      const swapped = await swapRouteOwner(tx, {
        hostname: swap.host, environmentId: op.subject.id, deploymentId: swap.previousDeploymentId!, digest: swap.previousDigest!,
        expectedEpoch: swap.epoch, operationId: op.id, now,
      });
      await restorePreviousRun(tx, op.subject.id, input.deploymentId, swap, now);
      return swapped;
    });
    deps.onSchedulingChange?.();
    const reason = `Edge${behind.length === 1 ? '' : 's'} ${names} did not apply route event ${swap.seq} within ${deadlineMs} ms${incidents.length ? ` (${incidents.length} propagation incident${incidents.length === 1 ? "" : "s"}, first on ${incidents[0]!.edge}: ${incidents[0]!.kind}: ${incidents[0]!.detail})` : ''}; ${swap.host} was pointed back at ${swap.previousDeploymentId} (epoch ${back.owner.epoch}). Check the edges, then promote again.`;
    return rolledBackOutcome(back.owner.epoch, back.seq, reason, evidence, incidents.length > 0);
  } catch (error) {
    if (!(error instanceof BerthError) || error.code !== 'route_epoch_conflict') throw error;
    return { failureMode: 'route epoch conflict', sentence: 'The rollback swap lost: another change moved the route owner first.', reason: `${error.message} Read which deployment production serves now before acting.`, evidence: { ...evidence, ...(error.details ?? {}) } };
  }
}

function rolledBackOutcome(epoch: number, seq: number, reason: string, evidence: Record<string, unknown>, gap = false): StepOutcome {
  const sentence = `Rolled back: the route owner is on the previous deployment again at epoch ${epoch} (route event ${seq}).`;
  const output = { rollbackEpoch: epoch, rollbackSeq: seq };
  return gap
    ? { failureMode: 'edge replay gap', sentence, reason, evidence: { ...evidence, ...output }, output }
    : { to: 'rolled_back', sentence, reason, evidence: { ...evidence, ...output }, output };
}
