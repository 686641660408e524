import type { Clock } from '@berth/core';
import type { OperationEngine } from '../engine/operation-engine.js';
import type { Db } from '../store/db.js';
import { allocationsWhere } from '../allocations/allocations-store.js';
import { markSilentHostsOffline } from '../runners/hosts.js';

export interface WorkerHealthDeps {
  db: Db;
  clock: Clock;
  engine: OperationEngine;
  log: (line: string) => void;
  /** A host silent this long is offline (default 30 s). */
  heartbeatTimeoutMs: number;
  /** A job (an allocation not yet started) on an offline host fails after this (default 15 min). */
  stuckJobTimeoutMs: number;
}

/**
 * Worker health, as the seeds say: a host that misses its heartbeats is marked offline; its
 * started allocations are failed ("runner crash") so the scheduler replaces them on healthy hosts;
 * jobs assigned to it that never started stay assigned until the stuck-job timeout, then fail.
 * Nothing is retried automatically: a failed allocation stays failed.
 */
export async function checkWorkerHealth(deps: WorkerHealthDeps): Promise<void> {
  const now = deps.clock.now();
  const offline = await markSilentHostsOffline(deps.db, new Date(now - deps.heartbeatTimeoutMs), new Date(now));
  for (const host of offline) {
    deps.log(`host ${host.name} (${host.id}) missed its heartbeats for ${Math.round(deps.heartbeatTimeoutMs / 1000)} s: offline`);
    for (const a of await allocationsWhere(deps.db, { hostId: host.id, live: true })) {
      if (a.state === 'planned') continue;
      await deps.engine.applyRemote(a.operationId, a.version, {
        failureMode: 'runner crash',
        sentence: `Host ${host.name} went offline (no heartbeat for ${Math.round(deps.heartbeatTimeoutMs / 1000)} s); the allocation is lost with it.`,
        evidence: { hostId: host.id, lastHeartbeatAt: host.lastHeartbeatAt },
      }, 'worker-health').catch(() => {});
    }
  }
  const stuck = await deps.db.query<{ id: string; operation_id: string; version: number; host_name: string }>(
    `SELECT a.id, a.operation_id, o.version, h.name AS host_name FROM allocations a JOIN operations o ON o.id = a.operation_id JOIN hosts h ON h.id = a.host_id
     WHERE o.state = 'planned' AND h.status = 'offline' AND o.created_at < $1`,
    [new Date(now - deps.stuckJobTimeoutMs)],
  );
  for (const job of stuck) {
    await deps.engine.applyRemote(job.operation_id, job.version, {
      to: 'failed',
      sentence: `Stuck: assigned to ${job.host_name}, which went offline before starting it. Not retried: redeploy or scale to run it elsewhere.`,
      reason: `Its host ${job.host_name} went offline before the allocation started; it was not retried automatically.`,
    }, 'worker-health').catch(() => {});
  }
}
