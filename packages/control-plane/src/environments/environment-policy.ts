import type { GapPolicy } from '@berth/core';
import { appendRoutePolicies } from '../routes/route-owners.js';
import type { Db, Queryable } from '../store/db.js';

/**
 * An environment's promotion policy: a frozen environment refuses promotions with its reason (a
 * rollback still goes through: freezing is the first step of the "Bad Deploy" runbook, rolling back
 * the next), one that requires approval makes each promotion wait for an admin's recorded approval,
 * and the gap policy tells edges what to do for its routes while they refetch a snapshot (a change
 * of it travels to edges as route events, see setEnvironmentPolicy).
 */
export interface EnvironmentPolicy {
  frozen: boolean;
  frozenReason: string | null;
  /** Who froze it: the name of the API token. */
  frozenBy: string | null;
  frozenAt: string | null;
  requireApproval: boolean;
  gapPolicy: GapPolicy;
}

export interface EnvironmentPolicyRow {
  frozen: boolean;
  frozen_reason: string | null;
  frozen_by: string | null;
  frozen_at: Date | null;
  require_approval: boolean;
  gap_policy: GapPolicy;
}

export function toEnvironmentPolicy(row: EnvironmentPolicyRow): EnvironmentPolicy {
  return {
    frozen: row.frozen, frozenReason: row.frozen_reason, frozenBy: row.frozen_by, frozenAt: row.frozen_at ? row.frozen_at.toISOString() : null,
    requireApproval: row.require_approval, gapPolicy: row.gap_policy,
  };
}

export async function readEnvironmentPolicy(db: Queryable, environmentId: string): Promise<EnvironmentPolicy | undefined> {
  const [row] = await db.query<EnvironmentPolicyRow>('SELECT frozen, frozen_reason, frozen_by, frozen_at, require_approval, gap_policy FROM environments WHERE id = $1', [environmentId]);
  return row ? toEnvironmentPolicy(row) : undefined;
}

/** Freezes an environment; freezing a frozen one replaces the reason and keeps who froze it first. */
export async function freezeEnvironment(db: Queryable, environmentId: string, freeze: { reason: string; by: string; now: Date }): Promise<void> {
  await db.query(
    `UPDATE environments SET frozen_reason = $2,
       frozen_by = CASE WHEN frozen THEN frozen_by ELSE $3 END, frozen_at = CASE WHEN frozen THEN frozen_at ELSE $4 END, frozen = true
     WHERE id = $1`,
    [environmentId, freeze.reason, freeze.by, freeze.now],
  );
}

export async function unfreezeEnvironment(db: Queryable, environmentId: string): Promise<void> {
  await db.query('UPDATE environments SET frozen = false, frozen_reason = NULL, frozen_by = NULL, frozen_at = NULL WHERE id = $1', [environmentId]);
}

/**
 * Sets required approval and the gap policy. A gap policy that changes reaches edges through the
 * route feed: a `route.policy` event for each of the environment's routes, in the same transaction,
 * so edges apply it in sequence like any event. Returns the last route event's sequence (0 when no
 * event was needed), so the caller pokes the feed.
 */
export async function setEnvironmentPolicy(db: Db, environmentId: string, change: { requireApproval?: boolean; gapPolicy?: GapPolicy }, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const [before] = await tx.query<{ gap_policy: GapPolicy }>('SELECT gap_policy FROM environments WHERE id = $1 FOR UPDATE', [environmentId]);
    await tx.query(
      'UPDATE environments SET require_approval = coalesce($2::boolean, require_approval), gap_policy = coalesce($3::text, gap_policy) WHERE id = $1',
      [environmentId, change.requireApproval ?? null, change.gapPolicy ?? null],
    );
    if (!before || change.gapPolicy === undefined || change.gapPolicy === before.gap_policy) return 0;
    return appendRoutePolicies(tx, environmentId, now);
  });
}

/** One sentence on why a frozen environment refuses promotions: its reason, who froze it and when. */
export function describeFreeze(policy: Pick<EnvironmentPolicy, 'frozenReason' | 'frozenBy' | 'frozenAt'>): string {
  return `frozen by ${policy.frozenBy ?? 'an operator'}${policy.frozenAt ? ` at ${policy.frozenAt}` : ''}: ${policy.frozenReason ?? 'no reason given'}`;
}
