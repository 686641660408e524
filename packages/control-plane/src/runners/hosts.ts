import { newId } from '@berth/core';
import type { Queryable } from '../store/db.js';

export type HostStatus = 'ready' | 'cordoned' | 'offline';

export interface HostRecord {
  id: string;
  name: string;
  region: string;
  labels: Record<string, string>;
  capacity: { cpus: number; memoryBytes: number };
  runnerVersion: string;
  status: HostStatus;
  cordoned: boolean;
  lastHeartbeatAt: string | null;
  createdAt: string;
}

interface HostRow {
  id: string;
  name: string;
  region: string;
  labels: Record<string, string>;
  cpus: number;
  memory_bytes: number;
  runner_version: string;
  status: HostStatus;
  cordoned: boolean;
  last_heartbeat_at: Date | null;
  created_at: Date;
}

const toHost = (row: HostRow): HostRecord => ({
  id: row.id, name: row.name, region: row.region, labels: row.labels, capacity: { cpus: row.cpus, memoryBytes: row.memory_bytes },
  runnerVersion: row.runner_version, status: row.status, cordoned: row.cordoned,
  lastHeartbeatAt: row.last_heartbeat_at ? row.last_heartbeat_at.toISOString() : null, createdAt: row.created_at.toISOString(),
});

/** Registers a host, or updates the one of that name (a runner re-joining after a restart). */
export async function upsertHost(db: Queryable, h: { name: string; region: string; labels: Record<string, string>; cpus: number; memoryBytes: number; runnerVersion: string; now: Date }): Promise<HostRecord> {
  const [row] = await db.query<HostRow>(
    `INSERT INTO hosts (id, name, region, labels, cpus, memory_bytes, runner_version, status, created_at, updated_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, 'offline', $8, $8)
     ON CONFLICT (name) DO UPDATE SET region = $3, labels = $4::jsonb, cpus = $5, memory_bytes = $6, runner_version = $7, updated_at = $8
     RETURNING *`,
    [newId('host', h.now.getTime()), h.name, h.region, JSON.stringify(h.labels), h.cpus, h.memoryBytes, h.runnerVersion, h.now],
  );
  return toHost(row!);
}

export async function findHost(db: Queryable, idOrName: string): Promise<HostRecord | undefined> {
  const [row] = await db.query<HostRow>('SELECT * FROM hosts WHERE id = $1 OR name = $1', [idOrName]);
  return row ? toHost(row) : undefined;
}

export async function listHosts(db: Queryable, afterName: string | undefined, limit: number): Promise<HostRecord[]> {
  const rows = await db.query<HostRow>('SELECT * FROM hosts WHERE name > $1 ORDER BY name LIMIT $2', [afterName ?? '', limit]);
  return rows.map(toHost);
}

/** A heartbeat or hello: the host is alive; it is ready unless an operator cordoned it. */
export async function markHostAlive(db: Queryable, id: string, now: Date, capacity?: { cpus: number; memoryBytes: number; runnerVersion: string }): Promise<void> {
  await db.query(
    `UPDATE hosts SET last_heartbeat_at = $2, updated_at = $2, status = CASE WHEN cordoned THEN 'cordoned' ELSE 'ready' END,
       cpus = coalesce($3, cpus), memory_bytes = coalesce($4, memory_bytes), runner_version = coalesce($5, runner_version)
     WHERE id = $1`,
    [id, now, capacity?.cpus ?? null, capacity?.memoryBytes ?? null, capacity?.runnerVersion ?? null],
  );
}

export async function setCordoned(db: Queryable, id: string, cordoned: boolean, now: Date): Promise<HostRecord | undefined> {
  const [row] = await db.query<HostRow>(
    `UPDATE hosts SET cordoned = $2, updated_at = $3,
       status = CASE WHEN status = 'offline' THEN 'offline' WHEN $2 THEN 'cordoned' ELSE 'ready' END
     WHERE id = $1 RETURNING *`,
    [id, cordoned, now],
  );
  return row ? toHost(row) : undefined;
}

/** Hosts whose last heartbeat is older than `before` and that are not yet offline. */
export async function markSilentHostsOffline(db: Queryable, before: Date, now: Date): Promise<HostRecord[]> {
  const rows = await db.query<HostRow>(
    `UPDATE hosts SET status = 'offline', updated_at = $2 WHERE status <> 'offline' AND (last_heartbeat_at IS NULL OR last_heartbeat_at < $1) RETURNING *`,
    [before, now],
  );
  return rows.map(toHost);
}
