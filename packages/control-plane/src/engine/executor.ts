import type { Clock, GateResult } from '@berth/core';
import type { Queryable } from '../store/db.js';
import type { OperationRecord } from './operation-record.js';

/**
 * What an executor reports after doing the work of one state: where the operation goes next, why
 * (a sentence and its evidence), the gates it checked, and any output to keep. Name a failure mode
 * of the machine to move where that failure mode leads.
 */
export interface StepTransition {
  to?: string;
  failureMode?: string;
  sentence: string;
  evidence?: Record<string, unknown>;
  gates?: readonly GateResult[];
  /** Merged into the operation's output. */
  output?: Record<string, unknown>;
  /** For blocked and failed states: what a person should do. */
  reason?: string;
}

/** Nothing to do yet: come back after `ms` (the lease is handed back meanwhile). */
export interface StepWait {
  waitMs: number;
  sentence?: string;
}

export type StepOutcome = StepTransition | StepWait;

export interface StepContext {
  readonly operation: OperationRecord;
  /**
   * True when this engine took the operation over from a holder whose lease expired while in this
   * state: the step may have run before, partly or wholly, and must check before it acts again.
   */
  readonly takeover: boolean;
  /** Aborted when the lease is lost or the engine stops; a long step should give up when it is. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** Appends a note to the timeline (fenced by the lease, like every write). */
  note(sentence: string, evidence?: Record<string, unknown>): Promise<void>;
  /**
   * How a step changes anything outside its operation (a route owner, an environment): runs
   * `write` in one transaction with the operation's row locked, and only while the step still holds
   * the lease it started with (same owner, same version, not expired). A step that outlived its
   * lease is refused with `stale_executor`, whatever `write` would have done; the refusal is
   * recorded in the timeline, and the executor's `lateReport` says what becomes of the operation.
   * `action` names the write in that record ("route owner swap").
   */
  fenced<T>(action: string, write: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** A write the fence refused: what the step tried, and the version, state and lease it acted on. */
export interface RefusedWrite {
  action: string;
  version: number;
  state: string;
  owner: string;
}

/**
 * The work behind one operation kind. The engine calls `step` for the operation's current active
 * state, persists what it reports, and calls it again for the next active state. A step runs at
 * least once per state; it runs more than once only after a crash or a lost lease, and
 * `ctx.takeover` says so.
 */
export interface Executor {
  readonly kind: string;
  step(ctx: StepContext): Promise<StepOutcome>;
  /**
   * A step's fenced write was refused after the operation moved on (another engine took it over,
   * or the lease was handed back) while the operation is still active. Called in the transaction
   * that records the refusal, with the operation's row locked and read as `current`: the transition
   * returned (a failure mode such as "late worker report", with what else that failure must put
   * back written on `tx`) is committed there, fenced by `current.version`, and takes the operation
   * from whoever holds its lease. Absent, or undefined returned: the refusal is only recorded and
   * the holder carries on. A refusal on an operation that already ended is only ever recorded.
   */
  lateReport?(tx: Queryable, current: OperationRecord, refused: RefusedWrite, now: Date): Promise<StepTransition | undefined>;
}

export function isWait(outcome: StepOutcome): outcome is StepWait {
  return 'waitMs' in outcome;
}
