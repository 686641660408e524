import type { Queryable } from '../store/db.js';

/** What one edge reports for one environment: its last request there, and what it has open now. */
export interface ActivityReport {
  environmentId: string;
  /** ISO time of the edge's last request for the environment; null when it has seen none since it started. */
  lastRequestAt: string | null;
  /** Live sessions (WebSockets) open to the environment's allocations through this edge. */
  openSessions: number;
  /** Requests in flight (held or proxied) for the environment on this edge. */
  inFlight: number;
}

/** One edge's latest report for an environment, with the edge's own liveness. */
export interface EdgeActivity {
  edgeId: string;
  edgeName: string;
  edgeStatus: 'live' | 'offline';
  lastRequestAt: string | null;
  openSessions: number;
  inFlight: number;
  reportedAt: string;
}

/**
 * Records an edge's activity reports (the last one per environment wins; unknown environments are
 * skipped) and moves each environment's last activity on: its last request, or now while a
 * session or request is open. A request time in the future (a skewed edge clock) counts as now,
 * so no edge can keep an app awake forever. Returns how many environments were recorded.
 */
export async function recordEdgeActivity(db: Queryable, edgeId: string, reports: readonly ActivityReport[], now: Date): Promise<number> {
  const byEnvironment = new Map<string, ActivityReport>();
  for (const report of reports) byEnvironment.set(report.environmentId, report);
  if (byEnvironment.size === 0) return 0;
  const rows = [...byEnvironment.values()].map((r) => {
    const requested = r.lastRequestAt === null ? null : Math.min(Date.parse(r.lastRequestAt), now.getTime());
    const busy = r.openSessions > 0 || r.inFlight > 0;
    return {
      environment_id: r.environmentId,
      last_request_at: requested === null ? null : new Date(requested).toISOString(),
      open_sessions: r.openSessions,
      in_flight: r.inFlight,
      activity_at: busy ? now.toISOString() : requested === null ? null : new Date(requested).toISOString(),
    };
  });
  const recorded = await db.query<{ environment_id: string }>(
    `INSERT INTO edge_activity (environment_id, edge_id, last_request_at, open_sessions, in_flight, reported_at)
     SELECT r.environment_id, $1, r.last_request_at, r.open_sessions, r.in_flight, $2
     FROM jsonb_to_recordset($3::jsonb) AS r(environment_id text, last_request_at timestamptz, open_sessions integer, in_flight integer)
     JOIN environments e ON e.id = r.environment_id
     WHERE EXISTS (SELECT 1 FROM edges WHERE id = $1)
     ON CONFLICT (environment_id, edge_id) DO UPDATE SET
       last_request_at = GREATEST(edge_activity.last_request_at, EXCLUDED.last_request_at),
       open_sessions = EXCLUDED.open_sessions, in_flight = EXCLUDED.in_flight, reported_at = EXCLUDED.reported_at
     RETURNING environment_id`,
    [edgeId, now, JSON.stringify(rows)],
  );
  await db.query(
    `UPDATE environments e SET last_activity_at = GREATEST(e.last_activity_at, r.activity_at)
     FROM jsonb_to_recordset($1::jsonb) AS r(environment_id text, activity_at timestamptz)
     WHERE e.id = r.environment_id AND r.activity_at IS NOT NULL`,
    [JSON.stringify(rows)],
  );
  return recorded.length;
}

interface ActivityRow {
  edge_id: string;
  name: string;
  status: 'live' | 'offline';
  last_request_at: Date | null;
  open_sessions: number;
  in_flight: number;
  reported_at: Date;
}

/** Every edge's latest report for the environment, most recent request first. */
export async function activityOf(db: Queryable, environmentId: string): Promise<EdgeActivity[]> {
  const rows = await db.query<ActivityRow>(
    `SELECT a.edge_id, g.name, g.status, a.last_request_at, a.open_sessions, a.in_flight, a.reported_at
     FROM edge_activity a JOIN edges g ON g.id = a.edge_id WHERE a.environment_id = $1
     ORDER BY a.last_request_at DESC NULLS LAST, g.name`,
    [environmentId],
  );
  return rows.map((r) => ({
    edgeId: r.edge_id, edgeName: r.name, edgeStatus: r.status, lastRequestAt: r.last_request_at?.toISOString() ?? null,
    openSessions: r.open_sessions, inFlight: r.in_flight, reportedAt: r.reported_at.toISOString(),
  }));
}

/**
 * Whether an edge's report still speaks for open sessions: the edge is live and reported within
 * the edge timeout. An edge that went silent took its sockets with it.
 */
export function holdsOpenWork(activity: EdgeActivity, now: number, edgeTimeoutMs: number): boolean {
  return activity.edgeStatus === 'live' && now - Date.parse(activity.reportedAt) <= edgeTimeoutMs && (activity.openSessions > 0 || activity.inFlight > 0);
}
