import type { Queryable } from '../../store/db.js';

export interface OperationRouteEvent {
  seq: number;
  at: string;
  deploymentId: string | null;
  digest: string | null;
  epoch: number;
}

/**
 * The route-owner changes an operation made to a hostname, in order. A step that runs again after a
 * crash or a takeover reads them to learn whether its swap already happened: the swap and its event
 * commit together, so the log is the exact answer.
 */
export async function routeEventsOf(db: Queryable, operationId: string, hostname: string): Promise<OperationRouteEvent[]> {
  const rows = await db.query<{ seq: string | number; at: Date; deployment_id: string | null; digest: string | null; epoch: number }>(
    'SELECT seq, at, deployment_id, digest, epoch FROM route_events WHERE operation_id = $1 AND hostname = $2 ORDER BY seq',
    [operationId, hostname],
  );
  return rows.map((r) => ({ seq: Number(r.seq), at: r.at.toISOString(), deploymentId: r.deployment_id, digest: r.digest, epoch: r.epoch }));
}
