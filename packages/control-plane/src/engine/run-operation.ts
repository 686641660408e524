import { BerthError, type Clock, type MachineSpec } from '@berth/core';
import type { Db } from '../store/db.js';
import { commitTransition, failureTarget, type TransitionHook } from './commit-transition.js';
import { isWait, type Executor, type StepContext } from './executor.js';
import { fencedWrite } from './lease-fence.js';
import type { OperationEvent, OperationRecord } from './operation-record.js';
import { appendEvent, releaseLease, renewLease, type ClaimedOperation } from './operations-store.js';

export interface RunDeps {
  db: Db;
  clock: Clock;
  owner: string;
  leaseMs: number;
  maxAttempts: number;
  machine: MachineSpec;
  executor: Executor;
  /** Run inside each transition's transaction (OperationEngine.onTransition). */
  hooks?: readonly TransitionHook[];
  /** Aborted when the engine stops: the step finishes or gives up, and the lease is handed back. */
  stopping: AbortSignal;
  onEvents(events: OperationEvent[]): void;
  onError(error: unknown, op: OperationRecord): void;
}

/** Backoff before retrying a step that threw: 1 s, 2 s, 4 s ... capped at a minute. */
function backoffMs(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * Drives one claimed operation through its active states until it rests, ends, waits, or the
 * lease is lost. Each transition is persisted (fenced) before the next step runs.
 */
export async function runOperation(deps: RunDeps, claimed: ClaimedOperation): Promise<void> {
  let op = claimed.operation;
  let takeover = claimed.takenOverFrom !== undefined;
  while (op.role === 'active') {
    if (deps.stopping.aborted) {
      await handBack(deps, op, 'The lease was handed back: the control plane is shutting down; another engine (or this one after restart) carries on.');
      return;
    }
    const lease = new AbortController();
    const onStop = () => lease.abort(new Error('engine stopping'));
    deps.stopping.addEventListener('abort', onStop, { once: true });
    const version = op.version;
    const renew = setInterval(() => {
      const now = deps.clock.now();
      renewLease(deps.db, op.id, deps.owner, version, new Date(now), new Date(now + deps.leaseMs)).then(
        (held) => held || lease.abort(new Error('lease lost')),
        () => {},
      );
    }, Math.max(50, Math.floor(deps.leaseMs / 3)));
    const current = op;
    const ctx: StepContext = {
      operation: current,
      takeover,
      signal: lease.signal,
      clock: deps.clock,
      note: async (sentence, evidence) => {
        const events = await deps.db.transaction(async (tx) => {
          const held = await tx.query('SELECT id FROM operations WHERE id = $1 AND lease_owner = $2 AND version = $3 FOR UPDATE', [current.id, deps.owner, version]);
          if (held.length === 0) throw new BerthError('stale_executor', `Operation ${current.id} moved on; the note was not written.`);
          return [await appendEvent(tx, { operationId: current.id, at: new Date(deps.clock.now()), type: 'note', sentence, evidence: evidence ?? {}, actor: deps.owner })];
        });
        deps.onEvents(events);
      },
      fenced: (action, write) => fencedWrite({ ...deps, hooks: deps.hooks ?? [] }, current, action, write),
    };
    let outcome;
    try {
      outcome = await deps.executor.step(ctx);
    } catch (error) {
      outcome = { error };
    } finally {
      clearInterval(renew);
      deps.stopping.removeEventListener('abort', onStop);
    }
    if (lease.signal.aborted && !deps.stopping.aborted) return; // Lost the lease: the new holder carries on.
    try {
      if ('error' in outcome && deps.stopping.aborted) {
        await handBack(deps, op, 'The lease was handed back mid-step: the control plane is shutting down; the step runs again on the next holder.');
        return;
      }
      if ('error' in outcome) {
        op = await stepFailed(deps, op, outcome.error);
        if (op.role === 'active') return;
        continue;
      }
      if (isWait(outcome)) {
        const now = deps.clock.now();
        const released = await releaseLease(deps.db, { id: op.id, owner: deps.owner, version: op.version, now: new Date(now), runAfter: new Date(now + outcome.waitMs) });
        if (released && outcome.sentence) await appendNote(deps, op.id, outcome.sentence);
        return;
      }
      const result = await commitTransition({ db: deps.db, machine: deps.machine, op, step: outcome, now: new Date(deps.clock.now()), actor: deps.owner, owner: deps.owner, hooks: deps.hooks ?? [] });
      deps.onEvents(result.events);
      op = result.operation;
      takeover = false;
    } catch (error) {
      if (error instanceof BerthError && error.code === 'stale_executor') return;
      deps.onError(error, op);
      op = await stepFailed(deps, op, error);
      if (op.role === 'active') return;
    }
  }
}

async function appendNote(deps: RunDeps, operationId: string, sentence: string): Promise<void> {
  const event = await appendEvent(deps.db, { operationId, at: new Date(deps.clock.now()), type: 'note', sentence, actor: deps.owner });
  deps.onEvents([event]);
}

async function handBack(deps: RunDeps, op: OperationRecord, sentence: string): Promise<void> {
  const now = new Date(deps.clock.now());
  const events = await deps.db.transaction(async (tx) => {
    const released = await releaseLease(tx, { id: op.id, owner: deps.owner, version: op.version, now, runAfter: now });
    return released ? [await appendEvent(tx, { operationId: op.id, at: now, type: 'lease', from: op.state, to: op.state, sentence, actor: deps.owner })] : [];
  });
  deps.onEvents(events);
}

/**
 * A step threw (or its transition was refused as illegal): record the error, and retry the step
 * after a backoff, up to maxAttempts; then move the operation to the machine's blocked or failed
 * state with the error as the reason, so it never stays active with nobody driving it.
 */
async function stepFailed(deps: RunDeps, op: OperationRecord, error: unknown): Promise<OperationRecord> {
  const message = error instanceof Error ? error.message : String(error);
  const attempts = op.attempts + 1;
  const now = deps.clock.now();
  const target = failureTarget(deps.machine, op.state);
  if (attempts >= deps.maxAttempts && target) {
    const reason = `The "${op.state}" step failed ${attempts} times; the last error: ${message}`;
    const result = await commitTransition({ db: deps.db, machine: deps.machine, op, step: { to: target, sentence: reason, reason, evidence: { error: message, attempts } }, now: new Date(now), actor: deps.owner, owner: deps.owner, hooks: deps.hooks ?? [] });
    deps.onEvents(result.events);
    return result.operation;
  }
  const events = await deps.db.transaction(async (tx) => {
    const released = await releaseLease(tx, { id: op.id, owner: deps.owner, version: op.version, now: new Date(now), runAfter: new Date(now + backoffMs(attempts)), attempts });
    if (!released) return [];
    return [await appendEvent(tx, { operationId: op.id, at: new Date(now), type: 'error', from: op.state, to: op.state, sentence: `The "${op.state}" step failed (attempt ${attempts} of ${deps.maxAttempts}); it will be retried.`, evidence: { error: message, attempts }, actor: deps.owner })];
  });
  deps.onEvents(events);
  return op;
}
