import type { Queryable } from '../../store/db.js';

/**
 * How many live edges there are (reporting, seen within `edgeTimeoutMs`): the evidence of a healthy
 * promotion says how many acknowledged its route event. Which ones are behind is edgesBehind's.
 */
export async function liveEdgeCount(db: Queryable, now: Date, edgeTimeoutMs: number): Promise<number> {
  const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM edges WHERE status = 'live' AND last_seen_at >= $1", [new Date(now.getTime() - edgeTimeoutMs)]);
  return row?.n ?? 0;
}
