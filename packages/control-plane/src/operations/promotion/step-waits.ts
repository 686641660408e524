import type { GateResult } from '@berth/core';
import type { StepContext } from '../../engine/executor.js';
import type { Queryable } from '../../store/db.js';

/**
 * A step that waits (for an approval, for readiness, for edges) is called again and again; its wait
 * is written to the timeline once, with the gates it leaves pending, and that note's time starts
 * the wait's deadline, so a takeover by another engine keeps the same deadline.
 */
export async function waitStartedAt(db: Queryable, ctx: StepContext, key: string, sentence: string, gates: readonly GateResult[] = [], evidence: Record<string, unknown> = {}): Promise<number> {
  const [row] = await db.query<{ at: Date }>(
    "SELECT at FROM operation_events WHERE operation_id = $1 AND type = 'note' AND evidence->>'waitingFor' = $2 ORDER BY seq LIMIT 1",
    [ctx.operation.id, key],
  );
  if (row) return row.at.getTime();
  await ctx.note(sentence, { ...evidence, waitingFor: key, ...(gates.length ? { gates } : {}) });
  return ctx.clock.now();
}

/** The approval recorded for a promotion, if any (an admin's call appends it to the timeline). */
export async function recordedApproval(db: Queryable, operationId: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await db.query<{ evidence: { approval: Record<string, unknown> } }>(
    "SELECT evidence FROM operation_events WHERE operation_id = $1 AND type = 'note' AND evidence->'approval' IS NOT NULL ORDER BY seq LIMIT 1",
    [operationId],
  );
  return row?.evidence.approval;
}
