import { findAllocation, type AllocationRecord } from '../../allocations/allocations-store.js';
import { findOperation, listEvents } from '../../engine/operations-store.js';
import type { Queryable } from '../../store/db.js';

/** How many lines of the allocation's output a wake keeps as readiness evidence. */
export const lastLogLines = 20;

/**
 * One allocation a wake waited on, as the "Stuck Wake" runbook reads it: where it runs, how far it
 * got, what the runner recorded while pulling and starting it (the artifact pull and the mounted
 * secrets, by gate), its readiness probe's result once there is one, and its last output lines.
 */
export interface AllocationAttempt {
  id: string;
  state: string;
  failureMode: string | null;
  reason: string | null;
  hostId: string;
  hostName: string | null;
  address: { host: string; port: number } | null;
  digest: string;
  createdAt: string;
  /** The pulling and starting transitions, with their evidence and the gates they recorded. */
  pull: Array<{ at: string; to: string | null; sentence: string; evidence: Record<string, unknown> }>;
  gates: Record<string, { status: string; evidence: Record<string, unknown>; at: string }>;
  /** The "health/readiness pass" gate's record, or null while the probe has not finished. */
  health: { status: string; evidence: Record<string, unknown>; at: string } | null;
  lastLogs: Array<{ at: string; stream: string; text: string }>;
}

export async function allocationAttempt(db: Queryable, allocationOrId: AllocationRecord | string): Promise<AllocationAttempt | undefined> {
  const allocation = typeof allocationOrId === 'string' ? await findAllocation(db, allocationOrId) : allocationOrId;
  if (!allocation) return undefined;
  const op = await findOperation(db, allocation.operationId);
  const events = await listEvents(db, allocation.operationId, 0, 200);
  const [host] = await db.query<{ name: string }>('SELECT name FROM hosts WHERE id = $1', [allocation.hostId]);
  const logs = await db.query<{ at: Date; stream: string; text: string }>(
    'SELECT at, stream, text FROM allocation_logs WHERE allocation_id = $1 ORDER BY seq DESC LIMIT $2',
    [allocation.id, lastLogLines],
  );
  const gates = op?.gates ?? {};
  return {
    id: allocation.id, state: allocation.state, failureMode: allocation.failureMode, reason: allocation.reason,
    hostId: allocation.hostId, hostName: host?.name ?? null, address: allocation.address, digest: allocation.digest, createdAt: allocation.createdAt,
    pull: events.filter((e) => e.type === 'transition' && ['pulling', 'starting'].includes(e.to ?? '')).map((e) => ({ at: e.at, to: e.to, sentence: e.sentence, evidence: e.evidence })),
    gates,
    health: gates['health/readiness pass'] ?? null,
    lastLogs: logs.reverse().map((l) => ({ at: l.at.toISOString(), stream: l.stream, text: l.text.slice(0, 2000) })),
  };
}

/** The allocations of `deploymentId` in the environment, newest first, live or not. */
export async function allocationsOfDeployment(db: Queryable, environmentId: string, deploymentId: string, limit = 20): Promise<string[]> {
  const rows = await db.query<{ id: string }>('SELECT id FROM allocations WHERE environment_id = $1 AND deployment_id = $2 ORDER BY id DESC LIMIT $3', [environmentId, deploymentId, limit]);
  return rows.map((r) => r.id);
}

/** One line on the attempt's output for a reason a person reads: the last few lines, shortened. */
export function describeOutput(attempt: AllocationAttempt | undefined): string {
  const lines = (attempt?.lastLogs ?? []).slice(-3).map((l) => l.text.trim()).filter((text) => text.length > 0);
  if (lines.length === 0) return 'it wrote no output';
  const joined = lines.join(' | ');
  return `its last output: "${joined.length > 300 ? `${joined.slice(0, 300)}…` : joined}"`;
}
