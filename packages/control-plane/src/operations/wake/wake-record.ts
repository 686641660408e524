import type { OperationRecord } from '../../engine/operation-record.js';

/** The request classes that may ask for a wake; an asset request is served by the edge and never does. */
export type WakeRequestClass = 'safe' | 'unsafe' | 'webhook' | 'live';
export const wakeRequestClasses: readonly WakeRequestClass[] = ['safe', 'unsafe', 'webhook', 'live'];

/**
 * What the edge knows about the request that asked for a wake. Never a body or a header value: an
 * Idempotency-Key is recorded as present or not, and a webhook only by its verified provider event id.
 */
export interface WakeTrigger {
  method: string;
  path: string;
  /** True when an unsafe request carried an Idempotency-Key (the edge then holds it and forwards it once). */
  idempotencyKey?: boolean;
  /** A webhook whose signature the edge verified, with the provider's event id when it has one. */
  webhook?: { provider: string; eventId?: string | null };
}

/** The input of a wake operation: the environment, and the request that created it. */
export interface WakeInput {
  environmentId: string;
  requestClass: WakeRequestClass;
  trigger: WakeTrigger;
  edgeId: string;
}

/** What a wake keeps as output once `wake_requested` ran: what it woke and by when it must be ready. */
export interface WakeOutput {
  deploymentId?: string;
  /** The route owners' epochs the wake started under, by hostname; any change fails it with "old route epoch". */
  routeEpochs?: Record<string, number>;
  /** The first owner's epoch (the one an edge compares). */
  routeEpoch?: number;
  desiredCount?: number;
  budgetMs?: number;
  /** When readiness must have passed: the wake's creation plus its readiness timeout. */
  deadlineAt?: string;
  allocationId?: string;
}

export function wakeInput(op: OperationRecord): WakeInput {
  return op.input as unknown as WakeInput;
}

export function wakeOutput(op: OperationRecord): WakeOutput {
  return op.output as WakeOutput;
}

/** A wake as edges and people read it. */
export interface WakeView {
  wakeId: string;
  environmentId: string;
  state: string;
  failureMode: string | null;
  reason: string | null;
  routeEpoch: number | null;
  deadlineAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function presentWake(op: OperationRecord): WakeView {
  const output = wakeOutput(op);
  return {
    wakeId: op.id,
    environmentId: op.subject.id,
    state: op.state,
    failureMode: op.failureMode,
    reason: op.reason,
    routeEpoch: output.routeEpoch ?? null,
    deadlineAt: output.deadlineAt ?? null,
    createdAt: op.createdAt,
    updatedAt: op.updatedAt,
  };
}
