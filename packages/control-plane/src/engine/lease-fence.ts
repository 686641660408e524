import { BerthError, type Clock, type MachineSpec } from '@berth/core';
import type { Db, Queryable } from '../store/db.js';
import { commitTransitionIn, type TransitionHook } from './commit-transition.js';
import type { Executor, RefusedWrite } from './executor.js';
import { toOperation, type OperationEvent, type OperationRecord, type OperationRow } from './operation-record.js';
import { appendEvent } from './operations-store.js';

export interface FenceDeps {
  db: Db;
  clock: Clock;
  /** The lease owner the step runs under. */
  owner: string;
  machine: MachineSpec;
  executor: Executor;
  hooks: readonly TransitionHook[];
  onEvents(events: OperationEvent[]): void;
}

/**
 * StepContext.fenced: runs `write` in one transaction with the operation's row locked, and only
 * while the step still holds the lease it started with (same owner, same version, not expired).
 * The fencing token is the operation's version, as for every transition the engine writes. A step
 * that outlived its lease (a paused process, a slow disk) and tries to move a route or an
 * environment after another engine took the operation over is refused; see refuseLateWrite.
 */
export async function fencedWrite<T>(deps: FenceDeps, op: OperationRecord, action: string, write: (tx: Queryable) => Promise<T>): Promise<T> {
  const result = await deps.db.transaction(async (tx) => {
    const held = await tx.query('SELECT id FROM operations WHERE id = $1 AND lease_owner = $2 AND version = $3 AND lease_expires_at >= $4 FOR UPDATE', [op.id, deps.owner, op.version, new Date(deps.clock.now())]);
    if (held.length === 0) return { held: false as const };
    return { held: true as const, value: await write(tx) };
  });
  if (result.held) return result.value;
  const reason = await refuseLateWrite(deps, { action, version: op.version, state: op.state, owner: deps.owner }, op.id);
  throw new BerthError('stale_executor', `The ${action} on ${op.id} was refused: it ${reason}.`, { details: { operationId: op.id, expectedVersion: op.version } });
}

/**
 * Records a refused write in the timeline and, in the same transaction, lets the executor decide
 * what becomes of an operation that is still active and has moved on since the write's version
 * (a late worker report: the operation cannot order the report against what its new holder did).
 * Its answer is committed through the engine's fenced transition, by the version read here with
 * the row locked, so the new holder's next write is refused in turn. A write refused only because
 * its own lease ran out, with nobody having taken over (the same version), is recorded and no more:
 * the next holder runs the step again. On an operation that already ended, it is recorded and no more.
 */
async function refuseLateWrite(deps: FenceDeps, refused: RefusedWrite, operationId: string): Promise<string> {
  const { reason, events } = await deps.db.transaction(async (tx) => {
    const [row] = await tx.query<OperationRow>('SELECT * FROM operations WHERE id = $1 FOR UPDATE', [operationId]);
    if (!row) return { reason: 'acts on an operation that no longer exists', events: [] };
    const current = toOperation(row);
    const holder = current.lease && current.lease.owner !== refused.owner ? `, held by ${current.lease.owner}` : '';
    const reason = `acts on version ${refused.version} (state "${refused.state}"), but the operation is at version ${current.version} (state "${current.state}")${holder}`;
    const now = new Date(deps.clock.now());
    const events = [await appendEvent(tx, {
      operationId, at: now, type: 'note', from: current.state, to: current.state,
      sentence: `A late report was refused: the ${refused.action} ${reason}.`,
      evidence: { refused: { action: refused.action, version: refused.version, state: refused.state, owner: refused.owner } },
      actor: refused.owner,
    })];
    if (current.role !== 'active' || current.version === refused.version || !deps.executor.lateReport) return { reason, events };
    const step = await deps.executor.lateReport(tx, current, refused, now);
    if (!step) return { reason, events };
    const committed = await commitTransitionIn(tx, { machine: deps.machine, op: current, step, now, actor: refused.owner, owner: null, preempt: true, hooks: deps.hooks });
    return { reason, events: [...events, ...committed.events] };
  });
  deps.onEvents(events);
  return reason;
}
