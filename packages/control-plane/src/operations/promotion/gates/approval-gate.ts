import type { GateResult } from '@berth/core';
import type { StepContext } from '../../../engine/executor.js';
import type { EnvironmentPolicy } from '../../../environments/environment-policy.js';
import type { PromotionDeps } from '../promotion-deps.js';
import { promotionDefaults } from '../promotion-deps.js';
import { recordedApproval, waitStartedAt } from '../step-waits.js';

const gate = 'approval present if required';

/**
 * "approval present if required": passes at once when the environment does not require approval;
 * otherwise pending until an admin's approval of this promotion is recorded in its timeline (POST
 * /api/promotions/:id/approve), and failing once `approvalTimeoutMs` passed without one.
 */
export async function approvalGate(deps: PromotionDeps, ctx: StepContext, policy: EnvironmentPolicy): Promise<GateResult> {
  if (!policy.requireApproval) return { gate, status: 'pass', evidence: { reason: 'the production environment does not require approval', required: false } };
  const approval = await recordedApproval(deps.db, ctx.operation.id);
  if (approval) return { gate, status: 'pass', evidence: { reason: `approved by ${String(approval.by)}`, required: true, approval } };
  const pending: GateResult = { gate, status: 'pending', evidence: { reason: 'the production environment requires an approval; an admin approves with `berth promotions approve`', required: true } };
  const since = await waitStartedAt(deps.db, ctx, 'approval', `Waiting for approval: production requires one; an admin runs \`berth promotions approve ${ctx.operation.id}\`.`, [pending]);
  const timeoutMs = deps.approvalTimeoutMs ?? promotionDefaults.approvalTimeoutMs;
  if (ctx.clock.now() - since <= timeoutMs) return pending;
  return {
    gate, status: 'fail',
    evidence: { required: true, waitedMs: ctx.clock.now() - since, reason: `no approval was recorded within ${Math.round(timeoutMs / 1000)} s of the request; request the promotion again and have an admin approve it` },
  };
}
