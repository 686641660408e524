import type { Clock } from '@berth/core';
import type { Db } from '../../store/db.js';

export interface WakeDeps {
  db: Db;
  clock: Clock;
  /**
   * Wakes an environment may start per minute; past it a new wake fails with "wake stampede"
   * (default 10). Only wakes that passed their gates count, so refused ones cannot lock the app out.
   */
  wakesPerMinute?: number;
  /**
   * How long a wake waits for readiness, counted from its creation. The deadline is the larger of
   * this and the app's `[scale] wake_budget`: held requests get their 503 at the budget (the edge
   * answers them), but a slow app that is ready a little later still ends hot, so the clients'
   * retries find it awake instead of starting wake after wake. Default 30 s.
   */
  readinessTimeoutMs?: number;
  /** Wakes the scheduler after a desired count changed. */
  onSchedulingChange?: () => void;
}

export const wakeDefaults = {
  wakesPerMinute: 10,
  readinessTimeoutMs: 30_000,
} as const;

/** How often a waiting step looks again: allocations are placed and probed within a few hundred ms. */
export const wakePollMs = 100;

/** The readiness deadline of a wake created at `createdAtMs` for an app with `budgetMs`. */
export function readinessDeadline(deps: Pick<WakeDeps, 'readinessTimeoutMs'>, createdAtMs: number, budgetMs: number): number {
  return createdAtMs + Math.max(budgetMs, deps.readinessTimeoutMs ?? wakeDefaults.readinessTimeoutMs);
}
