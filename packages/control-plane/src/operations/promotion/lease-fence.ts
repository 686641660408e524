import { BerthError } from '@berth/core';
import type { StepContext } from '../../engine/executor.js';
import { appendEvent } from '../../engine/operations-store.js';
import type { Db, Queryable } from '../../store/db.js';

/**
 * Runs `write` in one transaction with the operation's row locked, and only while the step still
 * holds the lease it started with (same owner, same version, not expired). A step that outlived its
 * lease (a paused process, a slow disk) and tries to move a route or an environment after another
 * engine took the operation over is refused, and the refusal is recorded in the timeline: the
 * fencing token is the operation's version, as for every transition the engine writes.
 */
export async function withLease<T>(db: Db, ctx: StepContext, action: string, write: (tx: Queryable) => Promise<T>): Promise<T> {
  const op = ctx.operation;
  const owner = op.lease?.owner ?? null;
  const result = await db.transaction(async (tx) => {
    const held = owner
      ? await tx.query('SELECT id FROM operations WHERE id = $1 AND lease_owner = $2 AND version = $3 AND lease_expires_at >= $4 FOR UPDATE', [op.id, owner, op.version, new Date(ctx.clock.now())])
      : [];
    if (held.length === 0) return { held: false as const };
    return { held: true as const, value: await write(tx) };
  });
  if (result.held) return result.value;
  const reason = await recordLateReport(db, ctx, action, owner);
  throw new BerthError('stale_executor', `The ${action} on ${op.id} was refused: it ${reason}.`, { details: { operationId: op.id, expectedVersion: op.version } });
}

async function recordLateReport(db: Db, ctx: StepContext, action: string, owner: string | null): Promise<string> {
  const op = ctx.operation;
  return db.transaction(async (tx) => {
    const [now] = await tx.query<{ state: string; version: number; lease_owner: string | null }>('SELECT state, version, lease_owner FROM operations WHERE id = $1 FOR UPDATE', [op.id]);
    const reason = now
      ? `acts on version ${op.version} (state "${op.state}"), but the operation is at version ${now.version} (state "${now.state}")${now.lease_owner && now.lease_owner !== owner ? `, held by ${now.lease_owner}` : ''}`
      : 'acts on an operation that no longer exists';
    if (now) {
      await appendEvent(tx, {
        operationId: op.id, at: new Date(ctx.clock.now()), type: 'note', from: now.state, to: now.state,
        sentence: `A late report was refused: the ${action} ${reason}.`,
        evidence: { refused: { action, version: op.version, state: op.state, owner } },
        actor: owner ?? 'unknown executor',
      });
    }
    return reason;
  });
}
