import type { Queryable } from '../store/db.js';

/** An allocation: one running instance of one artifact on one host. Its state is its operation's. */
export interface AllocationRecord {
  id: string;
  operationId: string;
  orgId: string;
  appId: string;
  environmentId: string;
  deploymentId: string;
  hostId: string;
  digest: string;
  memoryBytes: number;
  address: { host: string; port: number } | null;
  stats: { cpuPercent: number; memoryBytes: number; at: string } | null;
  createdAt: string;
  /** From the operation. */
  state: string;
  role: string;
  version: number;
  failureMode: string | null;
  reason: string | null;
}

interface AllocationRow {
  id: string;
  operation_id: string;
  org_id: string;
  app_id: string;
  environment_id: string;
  deployment_id: string;
  host_id: string;
  digest: string;
  memory_bytes: number;
  address_host: string | null;
  address_port: number | null;
  cpu_percent: number | null;
  rss_bytes: number | null;
  stats_at: Date | null;
  created_at: Date;
  state: string;
  role: string;
  version: number;
  failure_mode: string | null;
  reason: string | null;
}

const toAllocation = (row: AllocationRow): AllocationRecord => ({
  id: row.id, operationId: row.operation_id, orgId: row.org_id, appId: row.app_id, environmentId: row.environment_id, deploymentId: row.deployment_id,
  hostId: row.host_id, digest: row.digest, memoryBytes: row.memory_bytes,
  address: row.address_host && row.address_port ? { host: row.address_host, port: row.address_port } : null,
  stats: row.stats_at ? { cpuPercent: row.cpu_percent ?? 0, memoryBytes: row.rss_bytes ?? 0, at: row.stats_at.toISOString() } : null,
  createdAt: row.created_at.toISOString(), state: row.state, role: row.role, version: row.version, failureMode: row.failure_mode, reason: row.reason,
});

const select = `SELECT a.*, o.state, o.role, o.version, o.failure_mode, o.reason FROM allocations a JOIN operations o ON o.id = a.operation_id`;

export async function insertAllocation(db: Queryable, a: { id: string; operationId: string; orgId: string; appId: string; environmentId: string; deploymentId: string; hostId: string; digest: string; memoryBytes: number; now: Date }): Promise<void> {
  await db.query(
    `INSERT INTO allocations (id, operation_id, org_id, app_id, environment_id, deployment_id, host_id, digest, memory_bytes, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
    [a.id, a.operationId, a.orgId, a.appId, a.environmentId, a.deploymentId, a.hostId, a.digest, a.memoryBytes, a.now],
  );
}

export async function findAllocation(db: Queryable, id: string, orgId?: string): Promise<AllocationRecord | undefined> {
  const [row] = orgId
    ? await db.query<AllocationRow>(`${select} WHERE a.id = $1 AND a.org_id = $2`, [id, orgId])
    : await db.query<AllocationRow>(`${select} WHERE a.id = $1`, [id]);
  return row ? toAllocation(row) : undefined;
}

export async function allocationsWhere(db: Queryable, filter: { orgId?: string; appId?: string; environmentId?: string; hostId?: string; live?: boolean }, beforeId?: string, limit = 500): Promise<AllocationRecord[]> {
  const rows = await db.query<AllocationRow>(
    `${select} WHERE ($1::text IS NULL OR a.org_id = $1) AND ($2::text IS NULL OR a.app_id = $2) AND ($3::text IS NULL OR a.environment_id = $3)
       AND ($4::text IS NULL OR a.host_id = $4) AND ($5::boolean IS NULL OR (o.role <> 'terminal') = $5) AND ($6::text IS NULL OR a.id < $6)
     ORDER BY a.id DESC LIMIT $7`,
    [filter.orgId ?? null, filter.appId ?? null, filter.environmentId ?? null, filter.hostId ?? null, filter.live ?? null, beforeId ?? null, limit],
  );
  return rows.map(toAllocation);
}

export async function setAllocationAddress(db: Queryable, id: string, address: { host: string; port: number }, now: Date): Promise<void> {
  await db.query('UPDATE allocations SET address_host = $2, address_port = $3, updated_at = $4 WHERE id = $1', [id, address.host, address.port, now]);
}

export async function recordAllocationStats(db: Queryable, id: string, hostId: string, stats: { cpuPercent: number; memoryBytes: number }, now: Date): Promise<void> {
  await db.query('UPDATE allocations SET cpu_percent = $3, rss_bytes = $4, stats_at = $5 WHERE id = $1 AND host_id = $2', [id, hostId, stats.cpuPercent, stats.memoryBytes, now]);
}

export async function appendAllocationLogs(db: Queryable, allocationId: string, lines: Array<{ stream: string; at: string; text: string }>): Promise<void> {
  for (const line of lines) {
    await db.query(
      `INSERT INTO allocation_logs (allocation_id, seq, at, stream, text)
       VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM allocation_logs WHERE allocation_id = $1), $2, $3, $4)`,
      [allocationId, new Date(line.at), line.stream, line.text.slice(0, 8192)],
    );
  }
}

export async function readAllocationLogs(db: Queryable, filter: { allocationIds: string[] }, afterAt: Date | undefined, limit: number): Promise<Array<{ allocationId: string; seq: number; at: string; stream: string; text: string }>> {
  const rows = await db.query<{ allocation_id: string; seq: number; at: Date; stream: string; text: string }>(
    `SELECT * FROM allocation_logs WHERE allocation_id = ANY($1::text[]) AND ($2::timestamptz IS NULL OR at > $2) ORDER BY at, allocation_id, seq LIMIT $3`,
    [filter.allocationIds, afterAt ?? null, limit],
  );
  return rows.map((r) => ({ allocationId: r.allocation_id, seq: r.seq, at: r.at.toISOString(), stream: r.stream, text: r.text }));
}
