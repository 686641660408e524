import type { Queryable } from '../../store/db.js';
import type { WakeRequestClass, WakeTrigger } from './wake-record.js';

/**
 * The requests that created or attached to a wake, kept beside the operation (not in its output,
 * which the engine rewrites on every transition): counts per class, and bounded lists of the first
 * triggers, the edges they came through and the webhook event ids. A stampede of a thousand
 * requests costs a thousand counter increments and a few rows of evidence, never a thousand events.
 */
export const wakeRequestBounds = { triggers: 20, edges: 32, webhookEvents: 100 } as const;

export interface WakeRequests {
  counts: Record<WakeRequestClass, number>;
  /** Requests that attached after the one that created the wake. */
  attached: number;
  edges: string[];
  triggers: Array<{ requestClass: WakeRequestClass; method: string; path: string; idempotencyKey?: boolean; edgeId: string; at: string }>;
  webhookEvents: Array<{ provider: string; eventId: string; at: string }>;
  firstAt: string;
  lastAt: string;
}

export interface WakeRequestArrival {
  requestClass: WakeRequestClass;
  trigger: WakeTrigger;
  edgeId: string;
  at: Date;
}

const countColumn: Record<WakeRequestClass, string> = { safe: 'safe_count', unsafe: 'unsafe_count', webhook: 'webhook_count', live: 'live_count' };

function triggerEntry(arrival: WakeRequestArrival) {
  const { method, path, idempotencyKey } = arrival.trigger;
  return { requestClass: arrival.requestClass, method, path: path.slice(0, 512), ...(idempotencyKey !== undefined ? { idempotencyKey } : {}), edgeId: arrival.edgeId, at: arrival.at.toISOString() };
}

function webhookEntry(arrival: WakeRequestArrival) {
  const hook = arrival.trigger.webhook;
  return hook?.eventId ? [{ provider: hook.provider, eventId: hook.eventId, at: arrival.at.toISOString() }] : [];
}

/** The row of the request that created the wake; runs in the transaction that creates it. */
export async function insertWakeRequests(tx: Queryable, operationId: string, arrival: WakeRequestArrival): Promise<void> {
  await tx.query(
    `INSERT INTO wake_requests (operation_id, ${countColumn[arrival.requestClass]}, edges, triggers, webhook_events, first_at, last_at)
     VALUES ($1, 1, $2::jsonb, $3::jsonb, $4::jsonb, $5, $5)`,
    [operationId, JSON.stringify([arrival.edgeId]), JSON.stringify([triggerEntry(arrival)]), JSON.stringify(webhookEntry(arrival)), arrival.at],
  );
}

/**
 * Counts a request that attached to a wake and keeps its evidence while the lists have room. Only
 * while the wake is not over: false when it ended in the meantime (the caller starts a new one).
 */
export async function attachWakeRequest(db: Queryable, operationId: string, arrival: WakeRequestArrival): Promise<boolean> {
  const column = countColumn[arrival.requestClass];
  const rows = await db.query(
    `UPDATE wake_requests w SET ${column} = w.${column} + 1, last_at = $2,
       edges = CASE WHEN w.edges @> $3::jsonb OR jsonb_array_length(w.edges) >= $6 THEN w.edges ELSE w.edges || $3::jsonb END,
       triggers = CASE WHEN jsonb_array_length(w.triggers) >= $7 THEN w.triggers ELSE w.triggers || $4::jsonb END,
       webhook_events = CASE WHEN $9::text IS NULL OR jsonb_array_length(w.webhook_events) >= $8 OR w.webhook_events @> jsonb_build_array(jsonb_build_object('eventId', $9::text)) THEN w.webhook_events ELSE w.webhook_events || $5::jsonb END
     FROM operations o WHERE w.operation_id = $1 AND o.id = w.operation_id AND o.role <> 'terminal'
     RETURNING w.operation_id`,
    [operationId, arrival.at, JSON.stringify([arrival.edgeId]), JSON.stringify([triggerEntry(arrival)]), JSON.stringify(webhookEntry(arrival)),
      wakeRequestBounds.edges, wakeRequestBounds.triggers, wakeRequestBounds.webhookEvents, arrival.trigger.webhook?.eventId ?? null],
  );
  return rows.length === 1;
}

interface WakeRequestsRow {
  safe_count: number;
  unsafe_count: number;
  webhook_count: number;
  live_count: number;
  edges: string[];
  triggers: WakeRequests['triggers'];
  webhook_events: WakeRequests['webhookEvents'];
  first_at: Date;
  last_at: Date;
}

export async function readWakeRequests(db: Queryable, operationId: string): Promise<WakeRequests | undefined> {
  const [row] = await db.query<WakeRequestsRow>('SELECT * FROM wake_requests WHERE operation_id = $1', [operationId]);
  if (!row) return undefined;
  const counts = { safe: row.safe_count, unsafe: row.unsafe_count, webhook: row.webhook_count, live: row.live_count };
  const total = counts.safe + counts.unsafe + counts.webhook + counts.live;
  return { counts, attached: Math.max(0, total - 1), edges: row.edges, triggers: row.triggers, webhookEvents: row.webhook_events, firstAt: row.first_at.toISOString(), lastAt: row.last_at.toISOString() };
}
