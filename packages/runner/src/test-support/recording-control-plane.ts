import { decide, machines, type GateStatus } from '@berth/core';
import type { AllocationReport, ReportAnswer } from '../alloc-runner/report.js';

/**
 * A stand-in for the control plane's side of allocation reports, for alloc-runner tests. It applies
 * each report with core's own `decide()`, so a report the real engine would refuse (an illegal
 * transition, a gate not passed, a stale version) is refused here too, and it assigns versions
 * the way the engine does: each accepted report moves the version on by one.
 */
export class RecordingControlPlane {
  readonly reports: AllocationReport[] = [];
  readonly accepted: AllocationReport[] = [];
  readonly refusals: string[] = [];
  state = 'planned';
  version: number;
  gates: Record<string, GateStatus> = {};
  /** Refuses a report when it returns a reason; for testing how a superseded runner behaves. */
  refuseWhen: (report: AllocationReport) => string | undefined = () => undefined;

  constructor(version = 1) {
    this.version = version;
  }

  /** The `report` function to hand to the alloc runner. */
  readonly report = async (message: AllocationReport): Promise<ReportAnswer> => {
    this.reports.push(message);
    const refuse = (reason: string): ReportAnswer => {
      this.refusals.push(reason);
      return { accepted: false, reason };
    };
    if (message.version !== this.version) return refuse(`stale version ${message.version}; the allocation is at ${this.version}`);
    const custom = this.refuseWhen(message);
    if (custom) return refuse(custom);
    try {
      const decision = decide(machines.allocation, { state: this.state, gates: this.gates }, {
        ...(message.to ? { to: message.to } : {}),
        ...(message.failureMode ? { failureMode: message.failureMode } : {}),
        ...(message.gates ? { gates: message.gates } : {}),
      });
      this.state = decision.to;
      this.gates = { ...decision.gates };
      this.version++;
      this.accepted.push(message);
      return { accepted: true, version: this.version };
    } catch (error) {
      return refuse((error as Error).message);
    }
  };

  /** The states the allocation went through, starting from planned. */
  get path(): string[] {
    return ['planned', ...this.accepted.map((report) => report.to ?? '?')];
  }

  /** The accepted report that moved the allocation into `state`. */
  reportInto(state: string): AllocationReport | undefined {
    return this.accepted.find((report) => report.to === state);
  }
}
