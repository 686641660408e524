import type { GateRecord, OperationRecord } from '../../engine/operation-record.js';
import { listOperations } from '../../engine/operations-store.js';
import { productionHostname } from '../../environments/environment-view.js';
import type { Queryable } from '../../store/db.js';
import type { PromotionInput, PromotionOutput } from './promotion-record.js';

/** A promotion as the API answers it: GET /api/promotions/:id. */
export interface PromotionView {
  /** The promotion operation's id. */
  id: string;
  state: string;
  appName: string;
  environmentId: string;
  deploymentId: string;
  shortId: string;
  digest: string;
  host: string;
  /** The route owner's epoch after the swap; null until the swap. */
  epoch: number | null;
  seq: number | null;
  previousDeploymentId: string | null;
  previousEpoch: number | null;
  /** Set when the promotion pointed the route owner back at the previous deployment. */
  rollbackEpoch: number | null;
  rollback: boolean;
  failureMode: string | null;
  reason: string | null;
  gates: Record<string, GateRecord>;
  createdAt: string;
  finishedAt: string | null;
}

/**
 * Gates checked while the promotion waits (approval, readiness) are only written to the operation
 * with the transition that ends the wait; until then they are read from the wait's timeline note,
 * so a person sees them pending.
 */
async function gatesOf(db: Queryable, op: OperationRecord): Promise<Record<string, GateRecord>> {
  if (op.state !== 'requested' && op.state !== 'policy_check') return op.gates;
  const rows = await db.query<{ at: Date; evidence: { gates: Array<{ gate: string; status: GateRecord['status']; evidence: Record<string, unknown> }> } }>(
    "SELECT at, evidence FROM operation_events WHERE operation_id = $1 AND type = 'note' AND evidence->'gates' IS NOT NULL ORDER BY seq",
    [op.id],
  );
  const pending: Record<string, GateRecord> = {};
  for (const row of rows) for (const g of row.evidence.gates) pending[g.gate] = { status: g.status, evidence: g.evidence, at: row.at.toISOString() };
  return { ...pending, ...op.gates };
}

export async function presentPromotion(db: Queryable, op: OperationRecord, baseDomain: string): Promise<PromotionView> {
  const input = op.input as unknown as PromotionInput;
  const output = op.output as PromotionOutput;
  const [meta] = await db.query<{ app: string; short_id: string | null; digest: string | null }>(
    `SELECT a.name AS app, d.short_id, d.digest FROM environments e JOIN apps a ON a.id = e.app_id LEFT JOIN deployments d ON d.id = $2 WHERE e.id = $1`,
    [op.subject.id, input.deploymentId],
  );
  return {
    id: op.id, state: op.state, appName: meta?.app ?? '', environmentId: op.subject.id,
    deploymentId: input.deploymentId, shortId: meta?.short_id ?? '', digest: output.digest ?? meta?.digest ?? '',
    host: output.host ?? (meta ? productionHostname(meta.app, baseDomain) : ''),
    epoch: output.epoch ?? null, seq: output.seq ?? null,
    previousDeploymentId: output.previousDeploymentId ?? null, previousEpoch: output.previousEpoch ?? null, rollbackEpoch: output.rollbackEpoch ?? null,
    rollback: input.rollback === true, failureMode: op.failureMode, reason: op.reason, gates: await gatesOf(db, op),
    createdAt: op.createdAt, finishedAt: op.finishedAt,
  };
}

/** An environment's promotions, newest first; `beforeId` pages backwards. */
export async function listPromotions(db: Queryable, orgId: string, environmentId: string, beforeId: string | undefined, limit: number): Promise<OperationRecord[]> {
  return listOperations(db, orgId, { kind: 'promotion', subjectId: environmentId }, beforeId, limit);
}
