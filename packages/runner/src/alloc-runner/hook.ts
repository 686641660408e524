import type { AllocationAssignment, GateResult } from '@berth/core';
import type { OutputStream, RunningAllocation } from '../drivers/driver.js';
import type { AllocRunnerDeps } from './deps.js';
import type { AllocationState, Transition } from './report.js';

/**
 * The lifecycle hooks of an allocation runner. The runner is an ordered list of them: prerun hooks
 * take a planned allocation to ready one step each, ready hooks watch it while it serves, and stop
 * hooks take it down. A new lifecycle step is a new hook in its own file, not another branch in
 * the runner.
 */

/** Where one allocation keeps its files; all of it is removed when the allocation ends. */
export interface AllocationDirs {
  allocation: string;
  /** The verified artifact, unpacked; never written after unpacking. */
  artifact: string;
  /** The driver's work folder (the process driver's working copy lives here). */
  work: string;
}

export interface StopRequest {
  deadlineMs: number;
  reason: string;
}

/** What every hook sees of its allocation. */
export interface HookContext {
  readonly assignment: AllocationAssignment;
  readonly deps: AllocRunnerDeps;
  readonly dirs: AllocationDirs;
  /** Aborted once the allocation is asked to stop or is superseded: a hook that waits gives up and returns quietly. */
  readonly signal: AbortSignal;
  /** What the control plane wants (`run` until a stop or a refusal), kept apart from the observed `state`. */
  readonly desired: 'run' | 'stop';
  /** The last state the control plane accepted. */
  readonly state: AllocationState;
  /** Gate results earlier hooks gathered, to send with the transition into the state they guard. */
  readonly pendingGates: GateResult[];
  /** The port the app listens on, once the start hook chose it. */
  port: number | undefined;
  /** The running process or container, once the start hook started it. */
  running: RunningAllocation | undefined;
  /** Reports a transition: true when accepted, false when no longer legal; throws ReportRefusedError. */
  transition(transition: Transition): Promise<boolean>;
  /** Ends the allocation in `failed`: stops its process, then reports the failure. */
  fail(failure: AllocationFailed): Promise<void>;
  /** The app's output, batched to the log shipper. */
  onOutput(stream: OutputStream, line: string): void;
}

/**
 * Runs once, in order, on the way from planned to ready. It either returns (the next hook runs) or
 * throws AllocationFailed (the allocation ends in `failed` with that failure). When the context's
 * signal is aborted it returns without reporting: the stop path takes over from whatever state
 * was reached.
 */
export interface PrerunHook {
  readonly name: string;
  prerun(ctx: HookContext): Promise<void>;
}

/** Starts once the allocation is ready and runs for as long as it serves; it ends the allocation through `ctx.fail` if it must. */
export interface ReadyHook {
  readonly name: string;
  whileReady(ctx: HookContext): Promise<void>;
}

/** Runs, in order, once the allocation is asked to stop, after every prerun hook has settled. */
export interface StopHook {
  readonly name: string;
  stop(ctx: HookContext, request: StopRequest): Promise<void>;
}

/**
 * A hook's refusal to go on: the allocation ends in `failed`, with a named failure mode when the
 * machine has one for the cause, and with the gate results that failed.
 */
export class AllocationFailed extends Error {
  readonly failureMode: string | undefined;
  readonly evidence: Record<string, unknown> | undefined;
  readonly gates: GateResult[] | undefined;

  constructor(sentence: string, details: { failureMode?: string; evidence?: Record<string, unknown>; gates?: GateResult[] } = {}) {
    super(sentence);
    this.name = 'AllocationFailed';
    this.failureMode = details.failureMode;
    this.evidence = details.evidence;
    this.gates = details.gates;
  }
}
