import { machines, type GateResult, type RunnerMessage } from '@berth/core';

/** The allocation machine of seeds/001, as core declares it; the runner proposes only what it allows. */
const allocationMachine = machines.allocation;

/** The states of an allocation: planned, pulling, starting, ready, draining, stopped, failed. */
export type AllocationState = keyof typeof allocationMachine.states;

export type AllocationReport = Extract<RunnerMessage, { type: 'allocation.report' }>;
export type ReportAnswer = { accepted: true; version: number } | { accepted: false; reason: string };

/**
 * Sends one report to the control plane and resolves with its answer. The agent owns the wire: it
 * should retry a lost connection itself; a rejected promise is treated like a refusal, because
 * the runner can no longer tell which version its allocation is at.
 */
export type ReportFn = (message: AllocationReport) => Promise<ReportAnswer>;

/** One transition of the allocation machine, as a hook proposes it. */
export interface Transition {
  to: AllocationState;
  sentence: string;
  failureMode?: string;
  evidence?: Record<string, unknown>;
  gates?: GateResult[];
  address?: { host: string; port: number };
}

/** The control plane refused a report: this allocation has been superseded and must stop. */
export class ReportRefusedError extends Error {
  readonly reason: string;

  constructor(allocationId: string, reason: string) {
    super(`The control plane refused a report for ${allocationId}: ${reason}`);
    this.name = 'ReportRefusedError';
    this.reason = reason;
  }
}

/**
 * Reports an allocation's transitions one at a time, each carrying the version the previous
 * acceptance returned: the version is the fencing token that lets the control plane refuse a
 * report from a superseded allocation. Reports are queued, never sent concurrently, because two
 * reports at one version would make the second a refusal.
 *
 * A transition that is no longer legal when its turn comes (the exit watcher reported `failed`
 * while a drain was about to report `draining`) is skipped rather than sent: the machine in core
 * decides, so the runner never proposes what the engine would refuse.
 */
export class AllocationReporter {
  readonly #allocationId: string;
  readonly #report: ReportFn;
  readonly #onRefused: (reason: string) => void;
  #state: AllocationState = 'planned';
  #version: number;
  #queue: Promise<unknown> = Promise.resolve();
  #refused: string | null = null;
  #silenced = false;

  constructor(allocationId: string, version: number, report: ReportFn, onRefused: (reason: string) => void) {
    this.#allocationId = allocationId;
    this.#version = version;
    this.#report = report;
    this.#onRefused = onRefused;
  }

  get state(): AllocationState {
    return this.#state;
  }

  get version(): number {
    return this.#version;
  }

  /** The reason of the refusal that superseded this allocation, or null. */
  get refused(): string | null {
    return this.#refused;
  }

  /** Stops all further reports, for an allocation the control plane has forgotten. */
  silence(): void {
    this.#silenced = true;
  }

  /**
   * Resolves true once the control plane accepted the transition, false when it was skipped (not
   * legal from the current state, or reports are silenced). Rejects with ReportRefusedError.
   */
  transition(transition: Transition): Promise<boolean> {
    const turn = this.#queue.then(() => this.#send(transition));
    this.#queue = turn.catch(() => {});
    return turn;
  }

  async #send(transition: Transition): Promise<boolean> {
    if (this.#refused !== null) throw new ReportRefusedError(this.#allocationId, this.#refused);
    if (this.#silenced) return false;
    const legal: readonly string[] = allocationMachine.transitions[this.#state];
    if (!legal.includes(transition.to)) return false;
    const message: AllocationReport = { type: 'allocation.report', allocationId: this.#allocationId, version: this.#version, ...transition };
    let answer: ReportAnswer;
    try {
      answer = await this.#report(message);
    } catch (error) {
      answer = { accepted: false, reason: `the report could not be delivered: ${(error as Error).message}` };
    }
    if (!answer.accepted) {
      this.#refused = answer.reason;
      this.#onRefused(answer.reason);
      throw new ReportRefusedError(this.#allocationId, answer.reason);
    }
    this.#version = answer.version;
    this.#state = transition.to;
    return true;
  }
}
