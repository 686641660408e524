import { appendEvent } from '../engine/operations-store.js';
import type { Db } from '../store/db.js';

/** What an edge says it cut when an allocation's drain deadline passed with sessions still open. */
export interface DrainReport {
  environmentId: string;
  allocationId: string;
  sessionsClosedAtDeadline: number;
}

/**
 * Records, on the allocation's own timeline, the live sessions an edge closed at the drain
 * deadline: the evidence of "session still active at drain deadline", with the count, so a drain
 * never reads as if it had waited for sessions it cut. Unknown allocations are skipped.
 */
export async function recordDrainReports(db: Db, edge: { id: string; name: string }, reports: readonly DrainReport[], now: Date): Promise<number> {
  let recorded = 0;
  for (const report of reports) {
    if (report.sessionsClosedAtDeadline <= 0) continue;
    const written = await db.transaction(async (tx) => {
      // The operation's row is held, so the timeline's next sequence number cannot be raced.
      const [op] = await tx.query<{ id: string; state: string }>(
        `SELECT o.id, o.state FROM allocations a JOIN operations o ON o.id = a.operation_id WHERE a.id = $1 AND a.environment_id = $2 FOR UPDATE OF o`,
        [report.allocationId, report.environmentId],
      );
      if (!op) return false;
      const n = report.sessionsClosedAtDeadline;
      await appendEvent(tx, {
        operationId: op.id, at: now, type: 'note', from: op.state, to: op.state, actor: `edge ${edge.name}`,
        sentence: `Session still active at drain deadline: edge ${edge.name} closed ${n} live session${n === 1 ? '' : 's'} it had kept open until the deadline.`,
        evidence: { failureMode: 'session still active at drain deadline', sessionsClosedAtDeadline: n, edgeId: edge.id },
      });
      return true;
    });
    if (written) recorded += 1;
  }
  return recorded;
}
