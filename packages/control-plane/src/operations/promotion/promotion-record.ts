import type { OperationRecord } from '../../engine/operation-record.js';

/** What a promotion is asked to do: point production at this deployment's artifact. */
export interface PromotionInput {
  deploymentId: string;
  /** A promotion of an earlier artifact than production runs: the database check applies, a freeze does not. */
  rollback: boolean;
  /** Who asked: `token:<id>`. */
  requestedBy: string;
}

/**
 * The plan, recorded when the promotion leaves `requested`: the route owner it expects to replace
 * and at which epoch (0 when production has no owner yet), and what production ran before, so a
 * failed or rolled-back promotion can put it back.
 */
export interface PromotionPlan {
  host: string;
  digest: string;
  previousDeploymentId: string | null;
  previousDigest: string | null;
  previousEpoch: number;
  previousRun: { deploymentId: string | null; desiredCount: number };
}

/** Recorded by `route_cas`: the epoch and route event sequence of the swap. */
export interface PromotionSwap {
  epoch: number;
  seq: number;
  swappedAt: string;
}

/** Recorded when `edge_propagating` pointed the route owner back at the previous deployment. */
export interface PromotionRollbackSwap {
  rollbackEpoch: number;
  rollbackSeq: number;
}

export type PromotionOutput = Partial<PromotionPlan & PromotionSwap & PromotionRollbackSwap>;

export function promotionInput(op: OperationRecord): PromotionInput {
  return op.input as unknown as PromotionInput;
}

export function promotionPlan(op: OperationRecord): PromotionPlan {
  return op.output as unknown as PromotionPlan;
}

export function promotionSwap(op: OperationRecord): PromotionPlan & PromotionSwap {
  return op.output as unknown as PromotionPlan & PromotionSwap;
}
