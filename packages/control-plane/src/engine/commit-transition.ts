import { BerthError, decide, stateSpec, type GateResult, type MachineSpec, type TransitionProposal } from '@berth/core';
import type { Queryable } from '../store/db.js';
import type { GateRecord, OperationEvent, OperationRecord } from './operation-record.js';
import { appendEvent, writeTransition } from './operations-store.js';
import type { StepTransition } from './executor.js';

/**
 * Where an operation goes when a gate fails and the executor named no failure mode: the machine's
 * `blocked` state when it has one reachable from here (a person can fix the cause and retry),
 * otherwise `failed`, otherwise the state a failure mode of the machine leads to.
 */
export function failureTarget(machine: MachineSpec, from: string): string | undefined {
  const legal = (machine.transitions as Record<string, readonly string[]>)[from] ?? [];
  for (const preferred of ['blocked', 'failed']) if (legal.includes(preferred)) return preferred;
  return machine.failureModes.map((mode) => mode.leadsTo).find((state) => legal.includes(state));
}

function describeGateFailure(gate: GateResult): string {
  const why = typeof gate.evidence.reason === 'string' ? gate.evidence.reason : JSON.stringify(gate.evidence);
  return `Gate "${gate.gate}" failed: ${why}`;
}

/**
 * Turns what an executor (or a person) asked for into a proposal `decide()` accepts: a failing gate
 * with no failure mode named is routed to the machine's blocked or failed state with the gate's
 * evidence as the reason, so a failing gate never surfaces as a bare refusal.
 */
export function toProposal(machine: MachineSpec, op: OperationRecord, step: StepTransition): { proposal: TransitionProposal; reason: string | null } {
  const failed = (step.gates ?? []).filter((gate) => gate.status === 'fail');
  if (failed.length > 0 && step.failureMode === undefined) {
    const target = failureTarget(machine, op.state);
    if (target) {
      const reason = step.reason ?? failed.map(describeGateFailure).join('; ');
      return { proposal: { to: target, gates: step.gates ?? [] }, reason };
    }
  }
  const proposal: TransitionProposal = {
    ...(step.to !== undefined ? { to: step.to } : {}),
    ...(step.failureMode !== undefined ? { failureMode: step.failureMode } : {}),
    gates: step.gates ?? [],
  };
  const reason = step.reason ?? (step.failureMode !== undefined ? step.sentence : null);
  return { proposal, reason };
}

/**
 * Runs inside the transaction that commits a transition, after the operation's row is written: what
 * a hook writes commits or rolls back with the transition itself (the route feed appends
 * `target.up` when an allocation enters `ready`, so the event and the state can never disagree).
 * A hook that throws rolls the transition back.
 */
export type TransitionHook = (tx: Queryable, op: OperationRecord, from: string, to: string) => Promise<void>;

export interface CommitArgs {
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> };
  machine: MachineSpec;
  op: OperationRecord;
  step: StepTransition;
  now: Date;
  actor: string;
  /** The lease owner the write is fenced by; for a person's action on a resting operation, null. */
  owner: string | null;
  /**
   * Fence the write by the version alone and take the operation from whoever holds its lease: the
   * holder's next write is refused, since the version moved. Only for a transition the operation
   * must take at once whoever drives it, decided on a version read with the row locked in the same
   * transaction (a late worker report: see lease-fence.ts).
   */
  preempt?: boolean;
  /** Run in the transaction, after the write; see TransitionHook. */
  hooks?: readonly TransitionHook[];
}

/**
 * Decides and persists one transition with its gate results and evidence, in one transaction.
 * Throws `illegal_transition` or `gate_not_passed` (nothing written) and `stale_executor` when the
 * fence refused the write (nothing written either).
 */
export async function commitTransition(args: CommitArgs): Promise<{ operation: OperationRecord; events: OperationEvent[] }> {
  return args.db.transaction((tx) => commitTransitionIn(tx, args));
}

/** commitTransition inside a transaction the caller holds (and commits or rolls back with its own writes). */
export async function commitTransitionIn(tx: Queryable, args: Omit<CommitArgs, 'db'>): Promise<{ operation: OperationRecord; events: OperationEvent[] }> {
  const { machine, op, step, now, actor } = args;
  const { proposal, reason } = toProposal(machine, op, step);
  const statuses = Object.fromEntries(Object.entries(op.gates).map(([name, record]) => [name, record.status]));
  const decision = decide(machine, { state: op.state, gates: statuses }, proposal);
  const role = stateSpec(machine, decision.to).role;
  const at = now.toISOString();
  const gates: Record<string, GateRecord> = { ...op.gates };
  for (const gate of proposal.gates ?? []) gates[gate.gate] = { status: gate.status, evidence: gate.evidence, at };

  const written = await writeTransition(tx, {
    id: op.id,
    expectedVersion: op.version,
    owner: args.owner,
    preempt: args.preempt ?? false,
    now,
    to: decision.to,
    role,
    gates,
    output: { ...op.output, ...(step.output ?? {}) },
    failureMode: decision.failureMode?.name ?? null,
    reason,
    keepLease: role === 'active' && args.owner !== null && !args.preempt,
  });
  if (!written) {
    throw new BerthError('stale_executor', `The write moving operation ${op.id} from "${op.state}" to "${decision.to}" was refused: the operation moved on (version ${op.version} is no longer current, or the lease was lost).`, {
      details: { operationId: op.id, expectedVersion: op.version },
    });
  }
  const events: OperationEvent[] = [];
  for (const gate of proposal.gates ?? []) {
    events.push(await appendEvent(tx, { operationId: op.id, at: now, type: 'gate', sentence: `Gate "${gate.gate}": ${gate.status}.`, evidence: { gate: gate.gate, status: gate.status, ...gate.evidence }, actor }));
  }
  const evidence = { ...(step.evidence ?? {}), ...(decision.failureMode ? { failureMode: decision.failureMode.name } : {}), ...(reason ? { reason } : {}) };
  events.push(await appendEvent(tx, { operationId: op.id, at: now, type: 'transition', from: op.state, to: decision.to, sentence: step.sentence, evidence, actor }));
  for (const hook of args.hooks ?? []) await hook(tx, written, op.state, decision.to);
  return { operation: written, events };
}
