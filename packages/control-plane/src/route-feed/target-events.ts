import type { TargetEntry } from '@berth/core';
import type { TransitionHook } from '../engine/commit-transition.js';
import type { Queryable } from '../store/db.js';
import { appendRouteEvent } from './route-event-log.js';

interface TargetRow {
  id: string;
  deployment_id: string;
  environment_id: string;
  address_host: string | null;
  address_port: number | null;
}

/** The allocation an allocation operation runs, as a target (null while it has no address). */
async function targetOf(tx: Queryable, operationId: string): Promise<{ row: TargetRow; target: TargetEntry | null } | undefined> {
  const [row] = await tx.query<TargetRow>('SELECT id, deployment_id, environment_id, address_host, address_port FROM allocations WHERE operation_id = $1', [operationId]);
  if (!row) return undefined;
  const target = row.address_host && row.address_port
    ? { allocationId: row.id, deploymentId: row.deployment_id, environmentId: row.environment_id, host: row.address_host, port: row.address_port }
    : null;
  return { row, target };
}

/**
 * The operation-engine hook that makes allocation readiness part of the route feed: entering
 * `ready` appends `target.up` with the allocation's address, leaving it (draining, failed, stopped)
 * appends `target.down`, in the transaction of the transition itself, so an edge never learns of
 * a target the store does not hold as ready, nor keeps one the store gave up. An allocation with no
 * address is never a target (the runner reports the address with readiness; runner-hub writes it
 * before the transition).
 */
export const targetEventsHook: TransitionHook = async (tx, op, from, to) => {
  if (op.kind !== 'allocation' || from === to || (from !== 'ready' && to !== 'ready')) return;
  const found = await targetOf(tx, op.id);
  if (!found?.target) return;
  const now = new Date(op.updatedAt);
  if (to === 'ready') {
    await appendRouteEvent(tx, { type: 'target.up', target: found.target }, now);
  } else {
    await appendRouteEvent(tx, { type: 'target.down', allocationId: found.row.id, deploymentId: found.row.deployment_id, environmentId: found.row.environment_id }, now);
  }
};
