import { randomBytes } from 'node:crypto';
import type { PropagationIncident } from '@berth/core';
import type { Queryable } from '../store/db.js';

/**
 * A propagation incident: what an edge found wrong with the route feed (a gap, a bad signature or
 * checksum, a broken transport), recorded from its report, and when it was cleared: the evidence of
 * the "Route Event Replay Gap" runbook, and what a promotion's "edge replay gap" failure names.
 */
export interface IncidentRecord extends PropagationIncident {
  id: string;
  edgeId: string;
  edgeName: string;
  /** When a later report showed the edge past the incident and no longer degraded. */
  resolvedAt: string | null;
  resolvedSeq: number | null;
}

interface IncidentRow {
  id: string;
  edge_id: string;
  edge_name: string;
  at: Date;
  kind: PropagationIncident['kind'];
  expected_seq: number | null;
  got_seq: number | null;
  detail: string;
  affected_hostnames: string[];
  resolved_at: Date | null;
  resolved_seq: number | null;
}

const toIncident = (row: IncidentRow): IncidentRecord => ({
  id: row.id, edgeId: row.edge_id, edgeName: row.edge_name, at: row.at.toISOString(), kind: row.kind,
  ...(row.expected_seq !== null ? { expectedSeq: Number(row.expected_seq) } : {}),
  ...(row.got_seq !== null ? { gotSeq: Number(row.got_seq) } : {}),
  detail: row.detail, affectedHostnames: row.affected_hostnames ?? [],
  resolvedAt: row.resolved_at?.toISOString() ?? null, resolvedSeq: row.resolved_seq === null ? null : Number(row.resolved_seq),
});

const select = 'SELECT i.*, e.name AS edge_name FROM propagation_incidents i JOIN edges e ON e.id = i.edge_id';

// What is kept of one incident: an edge's report is never refused for being long, it is cut.
const maxDetail = 2000;
const maxHostnames = 1000;

/** Stores the incidents an edge reported (long details and hostname lists cut to a readable size); returns their ids. */
export async function recordIncidents(tx: Queryable, edgeId: string, incidents: readonly PropagationIncident[], now: Date): Promise<string[]> {
  const ids: string[] = [];
  for (const incident of incidents) {
    const at = new Date(incident.at);
    const id = `incident_${now.getTime().toString(36)}${randomBytes(6).toString('hex')}`;
    await tx.query(
      `INSERT INTO propagation_incidents (id, edge_id, at, kind, expected_seq, got_seq, detail, affected_hostnames) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
      [id, edgeId, Number.isNaN(at.getTime()) ? now : at, incident.kind, incident.expectedSeq ?? null, incident.gotSeq ?? null, describe(incident), JSON.stringify((incident.affectedHostnames ?? []).slice(0, maxHostnames))],
    );
    ids.push(id);
  }
  return ids;
}

function describe(incident: PropagationIncident): string {
  const hostnames = incident.affectedHostnames?.length ?? 0;
  const more = hostnames > maxHostnames ? ` (${hostnames} hostnames affected; the first ${maxHostnames} are listed)` : '';
  const detail = incident.detail.length > maxDetail ? `${incident.detail.slice(0, maxDetail)}…` : incident.detail;
  return detail + more;
}

/**
 * Resolves an edge's open incidents it has moved past: when it reports that it is not degraded and
 * has applied at least the sequence each incident was about (the one it got, else the one it expected).
 */
export async function resolveIncidents(tx: Queryable, edgeId: string, appliedSeq: number, now: Date): Promise<number> {
  const rows = await tx.query(
    `UPDATE propagation_incidents SET resolved_at = $3, resolved_seq = $2
     WHERE edge_id = $1 AND resolved_at IS NULL AND coalesce(got_seq, expected_seq, 0) <= $2 RETURNING id`,
    [edgeId, appliedSeq, now],
  );
  return rows.length;
}

/** Every incident at or after `since`, oldest first, with its edge's name. */
export async function incidentsSince(db: Queryable, since: Date): Promise<IncidentRecord[]> {
  const rows = await db.query<IncidentRow>(`${select} WHERE i.at >= $1 ORDER BY i.at, i.id`, [since]);
  return rows.map(toIncident);
}

/** An edge's latest incidents, newest first. */
export async function incidentsOfEdge(db: Queryable, edgeId: string, limit: number): Promise<IncidentRecord[]> {
  const rows = await db.query<IncidentRow>(`${select} WHERE i.edge_id = $1 ORDER BY i.at DESC, i.id DESC LIMIT $2`, [edgeId, limit]);
  return rows.map(toIncident);
}
