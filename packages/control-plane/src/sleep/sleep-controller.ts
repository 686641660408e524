import { manifestDefaults, type Clock } from '@berth/core';
import type { OperationEngine } from '../engine/operation-engine.js';
import type { Db } from '../store/db.js';
import { activityOf, holdsOpenWork, type EdgeActivity } from './edge-activity.js';
import { moveHotWakeToSleeping, sleepHotWakesOfStoppedEnvironments } from './sleeping-wake.js';

export interface SleepDeps {
  db: Db;
  clock: Clock;
  engine: OperationEngine;
  log: (line: string) => void;
  /** An edge silent this long no longer vouches for open sessions (the edge timeout). */
  edgeTimeoutMs: number;
  /** Wakes the scheduler after a desired count dropped to 0, so it drains the allocations. */
  onSchedulingChange?: () => void;
}

interface CandidateRow {
  id: string;
  name: string;
  app_name: string;
  sleep_state: 'awake' | 'sleeping';
  last_activity_at: Date | null;
  sleep_after_ms: number | null;
  started_at: Date | null;
}

/** Why an environment sleeps: how long it has been idle and what each edge last saw. */
export interface SleepEvidence {
  reason: string;
  idleSince: string;
  sleepAfterMs: number;
  lastActivityAt: string | null;
  lastAllocationStartAt: string | null;
  edges: EdgeActivity[];
  at: string;
}

const maxTime = (...times: Array<number | null>) => times.reduce<number | null>((a, b) => (b === null ? a : a === null ? b : Math.max(a, b)), null);

/**
 * The sleep controller's pass: every environment whose deployment declares `[scale] min = 0`, that
 * wants allocations, and has had no request on any edge for `sleep_after` and no live session or
 * request open on a live edge, sleeps: its desired count goes to 0 (the scheduler drains its
 * allocations), its sleep state to `sleeping` with the evidence of why, and its hot wake to
 * `sleeping`. An allocation start counts as activity, so an environment that was never woken (a
 * preview, a promotion) gets its full `sleep_after` too. Returns the environments it put to sleep.
 */
export async function sleepIdleEnvironments(deps: SleepDeps): Promise<string[]> {
  const now = deps.clock.now();
  const candidates = await deps.db.query<CandidateRow>(
    `SELECT e.id, e.name, a.name AS app_name, e.sleep_state, e.last_activity_at, (d.manifest->'scale'->>'sleepAfterMs')::bigint AS sleep_after_ms,
       (SELECT max(al.created_at) FROM allocations al JOIN operations o ON o.id = al.operation_id WHERE al.environment_id = e.id AND o.role <> 'terminal') AS started_at
     FROM environments e JOIN apps a ON a.id = e.app_id JOIN deployments d ON d.id = e.deployment_id
     WHERE e.desired_count > 0 AND d.manifest->'run' IS NOT NULL AND (d.manifest->'scale'->>'min')::int = 0
     ORDER BY e.id`,
  );
  const slept: string[] = [];
  for (const env of candidates) {
    const where = `${env.app_name}/${env.name}`;
    if (env.sleep_state === 'sleeping') {
      // Someone gave a sleeping environment allocations (a scale, a promotion): it is awake, and its start is activity.
      await deps.db.query("UPDATE environments SET sleep_state = 'awake', sleeping_since = NULL, last_activity_at = $2 WHERE id = $1 AND sleep_state = 'sleeping'", [env.id, new Date(now)]);
      continue;
    }
    const edges = await activityOf(deps.db, env.id);
    if (edges.some((edge) => holdsOpenWork(edge, now, deps.edgeTimeoutMs))) continue;
    const lastRequest = maxTime(...edges.map((edge) => (edge.lastRequestAt ? Date.parse(edge.lastRequestAt) : null)));
    const idleSince = maxTime(env.last_activity_at?.getTime() ?? null, lastRequest, env.started_at?.getTime() ?? null);
    if (idleSince === null) {
      await deps.db.query('UPDATE environments SET last_activity_at = $2 WHERE id = $1 AND last_activity_at IS NULL', [env.id, new Date(now)]);
      continue;
    }
    const sleepAfterMs = Number(env.sleep_after_ms ?? manifestDefaults.scale.sleepAfterMs);
    if (now - idleSince < sleepAfterMs) continue;
    const evidence: SleepEvidence = {
      reason: `no request on any edge since ${new Date(idleSince).toISOString()} (${Math.round((now - idleSince) / 1000)} s; sleep_after is ${Math.round(sleepAfterMs / 1000)} s) and no open session or request on a live edge`,
      idleSince: new Date(idleSince).toISOString(), sleepAfterMs, lastActivityAt: env.last_activity_at?.toISOString() ?? null,
      lastAllocationStartAt: env.started_at?.toISOString() ?? null, edges, at: new Date(now).toISOString(),
    };
    // A wake in flight or a promotion under way wins: they need the allocations this would stop.
    const rows = await deps.db.query(
      `UPDATE environments e SET desired_count = 0, sleep_state = 'sleeping', sleeping_since = $2, sleep_evidence = $3::jsonb
       WHERE e.id = $1 AND e.desired_count > 0 AND e.sleep_state = 'awake'
         AND NOT EXISTS (SELECT 1 FROM operations o WHERE o.subject_id = e.id AND o.role = 'active' AND o.kind IN ('wake', 'promotion'))
       RETURNING e.id`,
      [env.id, new Date(now), JSON.stringify(evidence)],
    );
    if (rows.length === 0) continue;
    slept.push(env.id);
    deps.log(`sleep: ${where} sleeps: ${evidence.reason}`);
    await moveHotWakeToSleeping(deps, env.id, `${where} went idle: ${evidence.reason}; its allocations drain.`, { ...evidence });
  }
  await sleepHotWakesOfStoppedEnvironments(deps);
  if (slept.length > 0) deps.onSchedulingChange?.();
  return slept;
}
