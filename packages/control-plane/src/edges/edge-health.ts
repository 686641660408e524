import type { Clock } from '@berth/core';
import type { Db } from '../store/db.js';
import { markSilentEdgesOffline } from './edges-store.js';

export interface EdgeHealthDeps {
  db: Db;
  clock: Clock;
  log: (line: string) => void;
  /** An edge silent this long is offline (default 15 s). */
  edgeTimeoutMs: number;
}

/**
 * Edges that stopped reporting become offline, so a promotion stops waiting for them (it waits
 * for live edges only) and `berth edges list` says which are gone. A report brings one back.
 */
export async function checkEdgeHealth(deps: EdgeHealthDeps): Promise<void> {
  const now = deps.clock.now();
  for (const edge of await markSilentEdgesOffline(deps.db, new Date(now - deps.edgeTimeoutMs), new Date(now))) {
    deps.log(`edge ${edge.name} (${edge.id}) sent nothing for ${Math.round(deps.edgeTimeoutMs / 1000)} s: offline (it had applied route sequence ${edge.appliedSeq})`);
  }
}
