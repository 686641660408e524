import type { GateResult } from '../operations/machine.js';

/**
 * The runner protocol: every message between a runner and the control plane, typed and versioned.
 * Messages are JSON objects with a `type`; the runner names the protocol version it speaks in
 * `hello`, and the control plane refuses one it does not. Every report about an allocation carries
 * the allocation's id and the version (transition sequence) it acts on, so a late report from a
 * superseded allocation or operation is refused and recorded, never applied.
 */
export const runnerProtocolVersion = 1;

export interface HostCapacity {
  cpus: number;
  memoryBytes: number;
}

/** What a runner says it is running when it (re)connects. */
export interface AllocationHeld {
  allocationId: string;
  version: number;
  state: string;
}

export type RunnerMessage =
  | { type: 'hello'; protocol: number; runnerVersion: string; capacity: HostCapacity; allocations: AllocationHeld[] }
  | { type: 'heartbeat'; at: string; allocations: Array<{ allocationId: string; cpuPercent: number; memoryBytes: number }> }
  | {
      type: 'allocation.report';
      allocationId: string;
      /** The allocation operation's version this report acts on. */
      version: number;
      to?: string;
      failureMode?: string;
      sentence: string;
      evidence?: Record<string, unknown>;
      gates?: GateResult[];
      /** Where the app listens once started: the edge's target. */
      address?: { host: string; port: number };
    }
  | { type: 'allocation.logs'; allocationId: string; lines: Array<{ stream: 'stdout' | 'stderr'; at: string; text: string }> };

/** What the runner needs to start an allocation. Carries secret values: never logged. */
export interface AllocationAssignment {
  allocationId: string;
  version: number;
  deploymentId: string;
  digest: string;
  command: string;
  health: string;
  port?: number;
  memoryBytes: number;
  drainTimeoutMs: number;
  image?: string;
  env: Record<string, string>;
  /** The secret names the environment requires that are not set: the runner fails with "secret missing". */
  missingSecrets: string[];
}

export type ControlMessage =
  | { type: 'welcome'; hostId: string; heartbeatMs: number }
  | { type: 'allocation.start'; assignment: AllocationAssignment }
  | { type: 'allocation.stop'; allocationId: string; version: number; deadlineMs: number; reason: string }
  /** The control plane has given this allocation up (its host was offline): stop it and never report it again. */
  | { type: 'allocation.forget'; allocationId: string; reason: string }
  /** `version` is the one the report acted on; `newVersion` the allocation's version now, for the next report. */
  | { type: 'report.accepted'; allocationId: string; version: number; newVersion: number }
  | { type: 'report.refused'; allocationId: string; version: number; reason: string };

export function isRunnerMessage(value: unknown): value is RunnerMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' && ['hello', 'heartbeat', 'allocation.report', 'allocation.logs'].includes(type);
}
