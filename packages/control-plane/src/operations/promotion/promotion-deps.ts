import type { Clock } from '@berth/core';
import type { ArtifactStore } from '@berth/builder';
import type { Db } from '../../store/db.js';
import type { SecretResolver } from '../deploy/deploy-deps.js';

export interface PromotionDeps {
  db: Db;
  clock: Clock;
  artifacts: ArtifactStore;
  secrets: SecretResolver;
  /** Production answers on `<app>.<baseDomain>`. */
  baseDomain: string;
  /** How long a promotion waits for a required approval before it fails (default 1 h). */
  approvalTimeoutMs?: number;
  /** How long it waits for a ready production allocation of its deployment before it fails (default 120 s). */
  promotionReadyTimeoutMs?: number;
  /** How long every live edge has to apply the route change before the promotion rolls back (default 10 s). */
  propagationDeadlineMs?: number;
  /** An edge silent this long is not live, and a promotion does not wait for it (default 15 s, as the edge health check). */
  edgeTimeoutMs?: number;
  /** Wakes the scheduler after the production environment's deployment changed. */
  onSchedulingChange?: () => void;
  /** Tests only: runs in route_cas just before the swap, to hold a step past its lease. */
  beforeSwap?: (operationId: string) => Promise<void>;
}

export const promotionDefaults = {
  approvalTimeoutMs: 60 * 60_000,
  promotionReadyTimeoutMs: 120_000,
  propagationDeadlineMs: 10_000,
  edgeTimeoutMs: 15_000,
} as const;

/** How often a waiting step looks again: approvals and readiness change slowly, edge reports fast. */
export const pollMs = { approval: 500, readiness: 250, earlierPromotion: 250, propagation: 50 } as const;
