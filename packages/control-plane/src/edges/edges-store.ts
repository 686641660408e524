import { newId } from '@berth/core';
import type { Queryable } from '../store/db.js';

/**
 * An edge: a reverse proxy that registered with a join token and reports the route sequence it has
 * applied. `live` while it reports; `offline` once silent past the edge timeout, and then a
 * promotion no longer waits for it.
 */
export interface EdgeRecord {
  id: string;
  name: string;
  region: string;
  transport: 'embedded' | 'jetstream';
  status: 'live' | 'offline';
  appliedSeq: number;
  /** Set while the edge fails closed for some routes after a gap or a bad document. */
  degradedReason: string | null;
  version: string;
  lastSeenAt: string;
  createdAt: string;
}

interface EdgeRow {
  id: string;
  name: string;
  region: string;
  transport: 'embedded' | 'jetstream';
  status: 'live' | 'offline';
  applied_seq: number;
  degraded_reason: string | null;
  version: string;
  last_seen_at: Date;
  created_at: Date;
}

const toEdge = (row: EdgeRow): EdgeRecord => ({
  id: row.id, name: row.name, region: row.region, transport: row.transport, status: row.status, appliedSeq: Number(row.applied_seq),
  degradedReason: row.degraded_reason, version: row.version, lastSeenAt: row.last_seen_at.toISOString(), createdAt: row.created_at.toISOString(),
});

/**
 * Registers an edge by name, or re-registers it (an edge restarting keeps its id). Its applied
 * sequence starts again at 0: until it reports, nothing vouches for what it serves.
 */
export async function registerEdge(db: Queryable, edge: { name: string; region: string; transport: 'embedded' | 'jetstream'; version: string; now: Date }): Promise<EdgeRecord> {
  const [row] = await db.query<EdgeRow>(
    `INSERT INTO edges (id, name, region, transport, applied_seq, status, degraded_reason, version, last_seen_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 0, 'live', NULL, $5, $6, $6, $6)
     ON CONFLICT (name) DO UPDATE SET region = $3, transport = $4, applied_seq = 0, status = 'live', degraded_reason = NULL, version = $5, last_seen_at = $6, updated_at = $6
     RETURNING *`,
    [newId('edge', edge.now.getTime()), edge.name, edge.region, edge.transport, edge.version, edge.now],
  );
  return toEdge(row!);
}

/** By id (`edge_...`) or by name. */
export async function findEdge(db: Queryable, idOrName: string): Promise<EdgeRecord | undefined> {
  const [row] = await db.query<EdgeRow>(`SELECT * FROM edges WHERE ${idOrName.startsWith('edge_') ? 'id' : 'name'} = $1`, [idOrName]);
  return row ? toEdge(row) : undefined;
}

export async function listEdges(db: Queryable, afterName: string | undefined, limit: number): Promise<EdgeRecord[]> {
  const rows = await db.query<EdgeRow>('SELECT * FROM edges WHERE name > $1 ORDER BY name LIMIT $2', [afterName ?? '', limit]);
  return rows.map(toEdge);
}

/** An edge was heard from (a token refresh, a report, a stream): it is live. */
export async function markEdgeSeen(db: Queryable, edgeId: string, now: Date): Promise<void> {
  await db.query(`UPDATE edges SET last_seen_at = $2, status = 'live', updated_at = $2 WHERE id = $1`, [edgeId, now]);
}

/**
 * Records what an edge says it has applied, as it says it: an edge that restarted from an older
 * snapshot really is behind, and a promotion must wait for it rather than trust a number it had before.
 */
export async function recordAppliedSeq(db: Queryable, edgeId: string, report: { appliedSeq: number; degradedReason: string | null }, now: Date): Promise<EdgeRecord | undefined> {
  const [row] = await db.query<EdgeRow>(
    `UPDATE edges SET applied_seq = $2, degraded_reason = $3, status = 'live', last_seen_at = $4, updated_at = $4 WHERE id = $1 RETURNING *`,
    [edgeId, report.appliedSeq, report.degradedReason, now],
  );
  return row ? toEdge(row) : undefined;
}

/** Live edges last heard from before `before` become offline; returns them. */
export async function markSilentEdgesOffline(db: Queryable, before: Date, now: Date): Promise<EdgeRecord[]> {
  const rows = await db.query<EdgeRow>(`UPDATE edges SET status = 'offline', updated_at = $2 WHERE status = 'live' AND last_seen_at < $1 RETURNING *`, [before, now]);
  return rows.map(toEdge);
}

/**
 * The live edges that have not applied `seq` yet: what a promotion in `edge_propagating` waits for.
 * An edge silent for `timeoutMs` counts as offline even before the health loop marks it so.
 */
export async function edgesBehind(db: Queryable, seq: number, now: Date, timeoutMs: number): Promise<EdgeRecord[]> {
  const rows = await db.query<EdgeRow>(
    `SELECT * FROM edges WHERE status = 'live' AND last_seen_at >= $2 AND applied_seq < $1 ORDER BY name`,
    [seq, new Date(now.getTime() - timeoutMs)],
  );
  return rows.map(toEdge);
}
