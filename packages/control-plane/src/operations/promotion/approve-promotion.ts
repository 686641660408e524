import { BerthError, type Clock } from '@berth/core';
import { appendEvent } from '../../engine/operations-store.js';
import type { OperationRecord } from '../../engine/operation-record.js';
import { readEnvironmentPolicy } from '../../environments/environment-policy.js';
import type { Db } from '../../store/db.js';
import { recordedApproval } from './step-waits.js';

/**
 * Records an admin's approval of a promotion in its timeline, where the "approval present if
 * required" gate finds it. The operation's row is locked while the note is appended, so it is
 * ordered with the engine's own writes; approving twice records one approval.
 */
export async function approvePromotion(db: Db, clock: Clock, op: OperationRecord, by: { name: string; tokenId: string }, reason: string | null): Promise<{ recorded: boolean }> {
  const policy = await readEnvironmentPolicy(db, op.subject.id);
  if (!policy?.requireApproval) {
    throw new BerthError('illegal_transition', `Promotion ${op.id} does not wait for an approval: its environment does not require one.`, {
      suggestion: 'Require approval with `berth env set --require-approval on` before requesting promotions that should wait for one.',
    });
  }
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ state: string; role: string }>('SELECT state, role FROM operations WHERE id = $1 FOR UPDATE', [op.id]);
    if (!row || row.role === 'terminal') {
      throw new BerthError('illegal_transition', `Promotion ${op.id} already ended in "${row?.state ?? 'unknown'}"; request a new promotion to approve.`, { details: { state: row?.state ?? null } });
    }
    if (await recordedApproval(tx, op.id)) return { recorded: false };
    const at = new Date(clock.now());
    const approval = { by: by.name, tokenId: by.tokenId, at: at.toISOString(), reason };
    const gates = [{ gate: 'approval present if required', status: 'pass', evidence: { reason: `approved by ${by.name}`, required: true, approval } }];
    await appendEvent(tx, { operationId: op.id, at, type: 'note', from: row.state, to: row.state, sentence: `Approved by ${by.name}${reason ? `: ${reason}` : ''}.`, evidence: { approval, gates }, actor: `token:${by.tokenId}` });
    return { recorded: true };
  });
}
