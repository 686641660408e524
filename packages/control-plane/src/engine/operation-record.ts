import type { GateStatus, StateRole } from '@berth/core';

/** One recorded gate result: its latest status, why, and when. */
export interface GateRecord {
  status: GateStatus;
  evidence: Record<string, unknown>;
  at: string;
}

/** An operation as the store holds it; the truth about one meaningful mutation. */
export interface OperationRecord {
  id: string;
  orgId: string;
  kind: string;
  subject: { type: string; id: string };
  state: string;
  role: StateRole;
  /** Grows by one on every write; a write names the version it read and loses if it moved. */
  version: number;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  gates: Record<string, GateRecord>;
  failureMode: string | null;
  /** A sentence a person can act on when the operation is blocked or failed. */
  reason: string | null;
  idempotencyKey: string | null;
  lease: { owner: string; expiresAt: string } | null;
  runAfter: string;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export type OperationEventType = 'created' | 'transition' | 'gate' | 'lease' | 'note' | 'error';

/** One line of an operation's append-only timeline. */
export interface OperationEvent {
  operationId: string;
  seq: number;
  at: string;
  type: OperationEventType;
  from: string | null;
  to: string | null;
  sentence: string;
  evidence: Record<string, unknown>;
  actor: string;
}

export interface OperationRow {
  id: string;
  org_id: string;
  kind: string;
  subject_type: string;
  subject_id: string;
  state: string;
  role: StateRole;
  version: number;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  gates: Record<string, GateRecord>;
  failure_mode: string | null;
  reason: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  run_after: Date;
  attempts: number;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export function toOperation(row: OperationRow): OperationRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    kind: row.kind,
    subject: { type: row.subject_type, id: row.subject_id },
    state: row.state,
    role: row.role,
    version: row.version,
    input: row.input,
    output: row.output,
    gates: row.gates,
    failureMode: row.failure_mode,
    reason: row.reason,
    idempotencyKey: row.idempotency_key,
    lease: row.lease_owner && row.lease_expires_at ? { owner: row.lease_owner, expiresAt: row.lease_expires_at.toISOString() } : null,
    runAfter: row.run_after.toISOString(),
    attempts: row.attempts,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
  };
}

export interface OperationEventRow {
  operation_id: string;
  seq: number;
  at: Date;
  type: OperationEventType;
  from_state: string | null;
  to_state: string | null;
  sentence: string;
  evidence: Record<string, unknown>;
  actor: string;
}

export function toEvent(row: OperationEventRow): OperationEvent {
  return {
    operationId: row.operation_id,
    seq: row.seq,
    at: row.at.toISOString(),
    type: row.type,
    from: row.from_state,
    to: row.to_state,
    sentence: row.sentence,
    evidence: row.evidence,
    actor: row.actor,
  };
}
