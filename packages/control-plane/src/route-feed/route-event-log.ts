import type { RouteEntry, RouteEvent } from '@berth/core';
import type { Queryable } from '../store/db.js';
import { routeEntryFor } from './route-policy.js';

/**
 * The route event log: every change an edge must learn (a route owner moved or went away, a
 * route's policy changed, an allocation became or stopped being a target) is one row with the next gap-free sequence number,
 * appended in the same transaction as the change itself. The store is the truth; the embedded feed
 * and JetStream only carry what is here.
 */

/** An event as it is appended: the log assigns `seq` and `at`. */
export type RouteEventDraft = RouteEvent extends infer E ? (E extends RouteEvent ? Omit<E, 'seq' | 'at'> : never) : never;

/** A lock number every route-event writer (and the snapshot reader) shares, so sequence numbers are handed out one at a time. */
export const routeEventLockKey = 727_274_003;

/**
 * Takes the log's transaction-scoped lock. Held until commit, so the writer of N commits before N + 1
 * is handed out: a reader that sees N + 1 sees N, and no reader ever sees a hole.
 */
export async function lockRouteEvents(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [routeEventLockKey]);
}

/** Appends one event with the next sequence number and returns it. Must run in the transaction that makes the change. */
export async function appendRouteEvent(tx: Queryable, draft: RouteEventDraft, now: Date): Promise<number> {
  await lockRouteEvents(tx);
  const { type, ...payload } = draft;
  const columns = columnsOf(draft);
  const [row] = await tx.query<{ seq: number }>(
    `INSERT INTO route_events (seq, at, type, payload, hostname, environment_id, deployment_id, digest, epoch, operation_id)
     VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM route_events), $1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9) RETURNING seq`,
    [now, type, JSON.stringify(payload), columns.hostname, columns.environmentId, columns.deploymentId, columns.digest, columns.epoch, columns.operationId],
  );
  return row!.seq;
}

/** The plain columns kept beside the payload, so the log can be read with SQL alone. */
function columnsOf(draft: RouteEventDraft) {
  switch (draft.type) {
    case 'route.owner':
      return { hostname: draft.route.hostname, environmentId: draft.route.environmentId, deploymentId: draft.route.deploymentId, digest: draft.route.digest, epoch: draft.route.epoch, operationId: draft.operationId };
    case 'route.policy':
      // Not an owner change: no deployment column, so SQL reading owners by deployment never counts it.
      return { hostname: draft.hostname, environmentId: draft.environmentId, deploymentId: null, digest: null, epoch: draft.epoch, operationId: null };
    case 'route.removed':
      return { hostname: draft.hostname, environmentId: draft.environmentId, deploymentId: null, digest: null, epoch: null, operationId: null };
    case 'target.up':
      return { hostname: null, environmentId: draft.target.environmentId, deploymentId: draft.target.deploymentId, digest: null, epoch: null, operationId: null };
    case 'target.down':
      return { hostname: null, environmentId: draft.environmentId, deploymentId: draft.deploymentId, digest: null, epoch: null, operationId: null };
  }
}

/** The last sequence number appended (0 for an empty log). */
export async function lastRouteSeq(db: Queryable): Promise<number> {
  const [row] = await db.query<{ seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM route_events');
  return Number(row!.seq);
}

interface RouteEventRow {
  seq: number;
  at: Date;
  type: RouteEvent['type'];
  payload: Record<string, unknown> | null;
  hostname: string | null;
  environment_id: string;
  deployment_id: string | null;
  digest: string | null;
  epoch: number | null;
  operation_id: string | null;
}

/**
 * Events after `afterSeq`, in order, as edges receive them: `{seq, at, type, ...payload}`. The key
 * order is the store's, so every replica reading the same row builds the same text (and, with the
 * same key, the same signature).
 */
export async function readRouteEvents(db: Queryable, afterSeq: number, limit: number): Promise<RouteEvent[]> {
  const rows = await db.query<RouteEventRow>('SELECT * FROM route_events WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit]);
  const events: RouteEvent[] = [];
  for (const row of rows) {
    const payload = row.payload ?? (await legacyPayload(db, row));
    events.push({ seq: Number(row.seq), at: row.at.toISOString(), type: row.type, ...payload } as RouteEvent);
  }
  return events;
}

/**
 * Route-owner events appended before the log carried payloads (migration 0005) have only columns:
 * the route entry is rebuilt from them with the policy as it is now. When the environment has since
 * been deleted, the entry keeps what the columns say with the strictest policy; a later event or a
 * snapshot supersedes it either way, and the feed never stalls on an old row.
 */
async function legacyPayload(db: Queryable, row: RouteEventRow): Promise<Record<string, unknown>> {
  const owner = { hostname: row.hostname ?? '', environmentId: row.environment_id, deploymentId: row.deployment_id ?? '', digest: row.digest ?? '', epoch: row.epoch ?? 0 };
  const route: RouteEntry = await routeEntryFor(db, owner).catch(() => ({
    ...owner, appId: '', policy: { environmentKind: 'preview' as const, gapPolicy: 'fail_closed' as const, assets: null, hasProcess: true },
  }));
  return { route, operationId: row.operation_id };
}
