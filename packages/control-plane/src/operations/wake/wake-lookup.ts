import { toOperation, type OperationRecord, type OperationRow } from '../../engine/operation-record.js';
import type { Queryable } from '../../store/db.js';

/** The environment's unfinished wake (in flight, or hot), if any: at most one, by the store's index. */
export async function currentWake(db: Queryable, environmentId: string): Promise<OperationRecord | undefined> {
  const [row] = await db.query<OperationRow>("SELECT * FROM operations WHERE kind = 'wake' AND subject_id = $1 AND role <> 'terminal'", [environmentId]);
  return row ? toOperation(row) : undefined;
}

/** The environment's newest wake, finished or not. */
export async function latestWake(db: Queryable, environmentId: string): Promise<OperationRecord | undefined> {
  const [row] = await db.query<OperationRow>("SELECT * FROM operations WHERE kind = 'wake' AND subject_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1", [environmentId]);
  return row ? toOperation(row) : undefined;
}

/** A wake by id, optionally within one organization. */
export async function findWake(db: Queryable, id: string, orgId?: string): Promise<OperationRecord | undefined> {
  const [row] = await db.query<OperationRow>("SELECT * FROM operations WHERE id = $1 AND kind = 'wake' AND ($2::text IS NULL OR org_id = $2)", [id, orgId ?? null]);
  return row ? toOperation(row) : undefined;
}

/**
 * Wakes of the environment created since `since` that passed "wake budget available" (they set a
 * desired count and may have started an allocation), leaving `exceptId` out. Refused wakes do not
 * count, so a burst of refusals cannot keep the app asleep past the window.
 */
export async function wakesStartedSince(db: Queryable, environmentId: string, since: Date, exceptId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM operations WHERE kind = 'wake' AND subject_id = $1 AND created_at >= $2 AND id <> $3
       AND gates->'wake budget available'->>'status' = 'pass'`,
    [environmentId, since, exceptId],
  );
  return row?.n ?? 0;
}
