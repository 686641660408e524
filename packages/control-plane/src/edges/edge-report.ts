import type { PropagationIncident } from '@berth/core';
import type { Db } from '../store/db.js';
import { recordAppliedSeq, type EdgeRecord } from './edges-store.js';
import { recordIncidents, resolveIncidents } from './propagation-incidents.js';

export interface EdgeReport {
  appliedSeq: number;
  /** Set while the edge fails closed for some routes; null or absent once it applies a fresh snapshot. */
  degradedReason?: string | null;
  incidents?: PropagationIncident[];
}

/**
 * Applies one report from an edge in one transaction: its applied sequence and degraded reason,
 * the incidents it found, and, when it is no longer degraded, the resolution of the incidents it
 * has moved past. Undefined when the edge no longer exists.
 */
export async function applyEdgeReport(db: Db, edgeId: string, report: EdgeReport, now: Date): Promise<{ edge: EdgeRecord; recorded: number; resolved: number } | undefined> {
  return db.transaction(async (tx) => {
    // An empty reason is no reason: the edge is not degraded.
    const degradedReason = report.degradedReason ? report.degradedReason.slice(0, 2000) : null;
    const edge = await recordAppliedSeq(tx, edgeId, { appliedSeq: report.appliedSeq, degradedReason }, now);
    if (!edge) return undefined;
    const recorded = (await recordIncidents(tx, edgeId, report.incidents ?? [], now)).length;
    const resolved = degradedReason === null ? await resolveIncidents(tx, edgeId, report.appliedSeq, now) : 0;
    return { edge, recorded, resolved };
  });
}
