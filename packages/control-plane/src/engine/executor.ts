import type { Clock, GateResult } from '@berth/core';
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
}

export function isWait(outcome: StepOutcome): outcome is StepWait {
  return 'waitMs' in outcome;
}
