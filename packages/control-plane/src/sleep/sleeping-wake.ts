import { BerthError } from '@berth/core';
import type { OperationEngine } from '../engine/operation-engine.js';
import type { Db } from '../store/db.js';

interface SleepingWakeDeps {
  db: Db;
  engine: OperationEngine;
  log: (line: string) => void;
}

/**
 * Ends the environment's hot wake: `hot` → `sleeping` with the sentence and evidence of why, so the
 * wake's timeline says when and why the app went to sleep and the next request starts a new wake.
 * A wake that moved on meanwhile (another controller got there first) is left alone.
 */
export async function moveHotWakeToSleeping(deps: SleepingWakeDeps, environmentId: string, sentence: string, evidence: Record<string, unknown>): Promise<void> {
  const [hot] = await deps.db.query<{ id: string; version: number }>("SELECT id, version FROM operations WHERE kind = 'wake' AND subject_id = $1 AND state = 'hot'", [environmentId]);
  if (!hot) return;
  try {
    await deps.engine.move(hot.id, { to: 'sleeping', sentence, evidence, expectedVersion: hot.version }, 'sleep-controller');
  } catch (error) {
    if (!(error instanceof BerthError && ['conflict', 'illegal_transition', 'stale_executor'].includes(error.code))) throw error;
  }
}

/**
 * A hot wake whose environment no longer wants allocations (scaled to 0 by hand, or put to sleep
 * by another path) is over too: an edge asking to wake the app must start a new wake rather than
 * attach to a hot one with nothing behind it.
 */
export async function sleepHotWakesOfStoppedEnvironments(deps: SleepingWakeDeps): Promise<void> {
  const rows = await deps.db.query<{ environment_id: string; place: string }>(
    `SELECT e.id AS environment_id, a.name || '/' || e.name AS place FROM operations o JOIN environments e ON e.id = o.subject_id JOIN apps a ON a.id = e.app_id
     WHERE o.kind = 'wake' AND o.state = 'hot' AND e.desired_count = 0`,
  );
  for (const row of rows) {
    await moveHotWakeToSleeping(deps, row.environment_id, `${row.place} no longer wants allocations (its desired count is 0): the wake is over.`, { desiredCount: 0 });
    deps.log(`sleep: ${row.place} has no desired allocations; its hot wake ended`);
  }
}
