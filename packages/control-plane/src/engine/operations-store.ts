import type { Queryable } from '../store/db.js';
import { toEvent, toOperation, type GateRecord, type OperationEvent, type OperationEventRow, type OperationEventType, type OperationRecord, type OperationRow } from './operation-record.js';

/**
 * The SQL of the operation engine, one function per statement. Every write that moves an
 * operation is fenced: it names the version it read and the lease owner it claims to be, and
 * matches no row when either moved on.
 */

export interface NewOperation {
  id: string;
  orgId: string;
  kind: string;
  subject: { type: string; id: string };
  state: string;
  role: string;
  input: Record<string, unknown>;
  idempotencyKey: string | null;
  requestHash: string | null;
  now: Date;
}

/** Inserts the operation unless its idempotency key is taken; returns undefined when it is. */
export async function insertOperation(db: Queryable, op: NewOperation): Promise<OperationRecord | undefined> {
  const [row] = await db.query<OperationRow>(
    `INSERT INTO operations (id, org_id, kind, subject_type, subject_id, state, role, version, input, idempotency_key, request_hash, run_after, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8::jsonb, $9, $10, $11, $11, $11)
     ON CONFLICT (org_id, kind, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING *`,
    [op.id, op.orgId, op.kind, op.subject.type, op.subject.id, op.state, op.role, JSON.stringify(op.input), op.idempotencyKey, op.requestHash, op.now],
  );
  return row ? toOperation(row) : undefined;
}

export async function findByIdempotencyKey(db: Queryable, orgId: string, kind: string, key: string): Promise<{ operation: OperationRecord; requestHash: string | null } | undefined> {
  const [row] = await db.query<OperationRow>('SELECT * FROM operations WHERE org_id = $1 AND kind = $2 AND idempotency_key = $3', [orgId, kind, key]);
  return row ? { operation: toOperation(row), requestHash: row.request_hash } : undefined;
}

export async function findOperation(db: Queryable, id: string, orgId?: string): Promise<OperationRecord | undefined> {
  const [row] = orgId
    ? await db.query<OperationRow>('SELECT * FROM operations WHERE id = $1 AND org_id = $2', [id, orgId])
    : await db.query<OperationRow>('SELECT * FROM operations WHERE id = $1', [id]);
  return row ? toOperation(row) : undefined;
}

export async function appendEvent(
  db: Queryable,
  event: { operationId: string; at: Date; type: OperationEventType; from?: string | null; to?: string | null; sentence: string; evidence?: Record<string, unknown>; actor: string },
): Promise<OperationEvent> {
  // The caller holds the operation's row (it wrote it in the same transaction), so max(seq) + 1
  // cannot be raced by another writer.
  const [row] = await db.query<OperationEventRow>(
    `INSERT INTO operation_events (operation_id, seq, at, type, from_state, to_state, sentence, evidence, actor)
     VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM operation_events WHERE operation_id = $1), $2, $3, $4, $5, $6, $7::jsonb, $8)
     RETURNING *`,
    [event.operationId, event.at, event.type, event.from ?? null, event.to ?? null, event.sentence, JSON.stringify(event.evidence ?? {}), event.actor],
  );
  return toEvent(row!);
}

export async function listEvents(db: Queryable, operationId: string, afterSeq = 0, limit = 1000): Promise<OperationEvent[]> {
  const rows = await db.query<OperationEventRow>('SELECT * FROM operation_events WHERE operation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [operationId, afterSeq, limit]);
  return rows.map(toEvent);
}

export interface ClaimedOperation {
  operation: OperationRecord;
  /** Set when the claim took the operation over from a holder whose lease had expired. */
  takenOverFrom: { owner: string; expiredAt: string } | undefined;
}

/** Claims the next runnable operation of the given kinds: active, due, and with no live lease. */
export async function claimNext(db: Queryable, owner: string, kinds: readonly string[], now: Date, leaseUntil: Date): Promise<ClaimedOperation | undefined> {
  const [row] = await db.query<OperationRow & { prev_owner: string | null; prev_expires: Date | null }>(
    `WITH candidate AS (
       SELECT id, lease_owner AS prev_owner, lease_expires_at AS prev_expires FROM operations
       WHERE role = 'active' AND run_after <= $2 AND kind = ANY($3::text[])
         AND (lease_owner IS NULL OR lease_expires_at < $2)
       ORDER BY run_after, id
       LIMIT 1
       FOR UPDATE SKIP LOCKED)
     UPDATE operations o SET lease_owner = $1, lease_expires_at = $4, version = o.version + 1, updated_at = $2
     FROM candidate c WHERE o.id = c.id
     RETURNING o.*, c.prev_owner, c.prev_expires`,
    [owner, now, kinds, leaseUntil],
  );
  if (!row) return undefined;
  const takenOverFrom = row.prev_owner && row.prev_expires ? { owner: row.prev_owner, expiredAt: row.prev_expires.toISOString() } : undefined;
  return { operation: toOperation(row), takenOverFrom };
}

export interface TransitionWrite {
  id: string;
  expectedVersion: number;
  /** The lease holder writing; null for a person's action on a resting operation (no lease). */
  owner: string | null;
  /** Fenced by the version alone, whoever holds the lease (which the write takes away); see CommitArgs.preempt. */
  preempt?: boolean;
  now: Date;
  to: string;
  role: string;
  gates: Record<string, GateRecord>;
  output: Record<string, unknown>;
  failureMode: string | null;
  reason: string | null;
  /** Active states keep the lease so the holder runs the next step; others hand it back. */
  keepLease: boolean;
}

/** The fenced write of a transition; undefined when the version or the lease moved on (with `preempt`, the version alone). */
export async function writeTransition(db: Queryable, w: TransitionWrite): Promise<OperationRecord | undefined> {
  const [row] = await db.query<OperationRow>(
    `UPDATE operations SET state = $4, role = $5, version = version + 1, gates = $6::jsonb, output = $7::jsonb,
       failure_mode = $8, reason = $9, updated_at = $3, run_after = $3, attempts = 0,
       finished_at = CASE WHEN $5::text = 'terminal' THEN $3 ELSE NULL END,
       lease_owner = CASE WHEN $10::boolean THEN lease_owner ELSE NULL END,
       lease_expires_at = CASE WHEN $10::boolean THEN lease_expires_at ELSE NULL END
     WHERE id = $1 AND version = $2
       AND ($12::boolean OR ($11::text IS NULL AND lease_owner IS NULL) OR (lease_owner = $11 AND lease_expires_at >= $3))
     RETURNING *`,
    [w.id, w.expectedVersion, w.now, w.to, w.role, JSON.stringify(w.gates), JSON.stringify(w.output), w.failureMode, w.reason, w.keepLease, w.owner, w.preempt ?? false],
  );
  return row ? toOperation(row) : undefined;
}

/** Extends a held lease; false when it was lost (expired and taken, or fenced out). */
export async function renewLease(db: Queryable, id: string, owner: string, version: number, now: Date, until: Date): Promise<boolean> {
  const rows = await db.query('UPDATE operations SET lease_expires_at = $5 WHERE id = $1 AND lease_owner = $2 AND version = $3 AND lease_expires_at >= $4 RETURNING id', [id, owner, version, now, until]);
  return rows.length === 1;
}

/**
 * Hands a held lease back and schedules the next attempt. Used on shutdown, after a step asks to
 * wait, and after a step failed and will be retried.
 */
export async function releaseLease(db: Queryable, r: { id: string; owner: string; version: number; now: Date; runAfter: Date; attempts?: number }): Promise<OperationRecord | undefined> {
  const [row] = await db.query<OperationRow>(
    `UPDATE operations SET lease_owner = NULL, lease_expires_at = NULL, version = version + 1, run_after = $4, updated_at = $5, attempts = coalesce($6::integer, attempts)
     WHERE id = $1 AND lease_owner = $2 AND version = $3 RETURNING *`,
    [r.id, r.owner, r.version, r.runAfter, r.now, r.attempts ?? null],
  );
  return row ? toOperation(row) : undefined;
}

export interface OperationFilter {
  kind?: string;
  state?: string;
  subjectId?: string;
}

/** Newest first; `beforeId` pages backwards (ids sort by creation time). */
export async function listOperations(db: Queryable, orgId: string, filter: OperationFilter, beforeId: string | undefined, limit: number): Promise<OperationRecord[]> {
  const rows = await db.query<OperationRow>(
    `SELECT * FROM operations WHERE org_id = $1
       AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR state = $3) AND ($4::text IS NULL OR subject_id = $4)
       AND ($5::text IS NULL OR id < $5)
     ORDER BY id DESC LIMIT $6`,
    [orgId, filter.kind ?? null, filter.state ?? null, filter.subjectId ?? null, beforeId ?? null, limit],
  );
  return rows.map(toOperation);
}

/** Hands back every lease `owner` still holds (a stopping engine whose steps did not finish in time). */
export async function releaseAllLeases(db: Queryable, owner: string, now: Date): Promise<Array<{ id: string; state: string }>> {
  return db.query<{ id: string; state: string }>(
    'UPDATE operations SET lease_owner = NULL, lease_expires_at = NULL, version = version + 1, run_after = $2, updated_at = $2 WHERE lease_owner = $1 RETURNING id, state',
    [owner, now],
  );
}
