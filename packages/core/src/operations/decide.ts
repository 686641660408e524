import { BerthError } from '../errors/index.js';
import type { FailureModeSpec, GateResult, GateStatus, MachineSpec } from './machine.js';

/** Where an operation stands, as far as deciding its next transition needs. */
export interface OperationPosition {
  readonly state: string;
  /** The latest recorded status of each gate; a gate never recorded is absent. */
  readonly gates: Readonly<Record<string, GateStatus>>;
}

/** What an executor (or an operator's call) asks for. */
export interface TransitionProposal {
  /** The target state. Optional when `failureMode` is given: the failure mode says where it leads. */
  readonly to?: string;
  /** Gate results recorded with this transition; they are merged over the ones already recorded. */
  readonly gates?: readonly GateResult[];
  /** A named failure mode of the machine; the operation moves to where the failure mode leads. */
  readonly failureMode?: string;
}

export interface Decision {
  readonly from: string;
  readonly to: string;
  readonly gates: Readonly<Record<string, GateStatus>>;
  readonly failureMode: FailureModeSpec | undefined;
}

export function isTerminal(machine: MachineSpec, state: string): boolean {
  return stateSpec(machine, state).role === 'terminal';
}

export function stateSpec(machine: MachineSpec, state: string) {
  const spec = (machine.states as Record<string, MachineSpec['states'][string]>)[state];
  if (!spec) {
    throw new BerthError('illegal_transition', `"${state}" is not a state of the ${machine.kind} operation.`, {
      details: { kind: machine.kind, state },
    });
  }
  return spec;
}

/** The gates that must have passed before `state` may be entered. */
export function gatesGuarding(machine: MachineSpec, state: string): string[] {
  return machine.gates.filter((gate) => gate.guards.includes(state)).map((gate) => gate.name);
}

/**
 * Says whether `proposal` is a legal next step for an operation at `position`, and what the
 * operation looks like after it. Pure: it reads only its arguments. Refuses with a typed error:
 * `illegal_transition` for a move the machine does not allow (from a terminal state, to an unknown
 * state, an unknown gate or failure mode), `gate_not_passed` for entering a guarded state whose
 * gates have not all passed.
 */
export function decide(machine: MachineSpec, position: OperationPosition, proposal: TransitionProposal): Decision {
  const from = position.state;
  const fromSpec = stateSpec(machine, from);
  if (fromSpec.role === 'terminal') {
    throw new BerthError('illegal_transition', `The ${machine.kind} operation is in its terminal state "${from}"; nothing follows it.`, {
      details: { kind: machine.kind, from, to: proposal.to ?? null },
    });
  }

  let failureMode: FailureModeSpec | undefined;
  let to = proposal.to;
  if (proposal.failureMode !== undefined) {
    failureMode = machine.failureModes.find((mode) => mode.name === proposal.failureMode);
    if (!failureMode) {
      throw new BerthError('illegal_transition', `"${proposal.failureMode}" is not a failure mode of the ${machine.kind} operation.`, {
        details: { kind: machine.kind, failureMode: proposal.failureMode },
      });
    }
    if (to !== undefined && to !== failureMode.leadsTo) {
      throw new BerthError('illegal_transition', `The failure mode "${failureMode.name}" leads to "${failureMode.leadsTo}", not "${to}".`, {
        details: { kind: machine.kind, failureMode: failureMode.name, to },
      });
    }
    to = failureMode.leadsTo;
  }
  if (to === undefined) {
    throw new BerthError('illegal_transition', 'A transition needs a target state or a failure mode.', { details: { kind: machine.kind, from } });
  }
  stateSpec(machine, to);
  const legal = (machine.transitions as Record<string, readonly string[]>)[from] ?? [];
  if (!legal.includes(to)) {
    throw new BerthError('illegal_transition', `The ${machine.kind} operation cannot move from "${from}" to "${to}".`, {
      details: { kind: machine.kind, from, to, legal: [...legal] },
    });
  }

  const gates: Record<string, GateStatus> = { ...position.gates };
  for (const result of proposal.gates ?? []) {
    if (!machine.gates.some((gate) => gate.name === result.gate)) {
      throw new BerthError('illegal_transition', `"${result.gate}" is not a gate of the ${machine.kind} operation.`, {
        details: { kind: machine.kind, gate: result.gate },
      });
    }
    gates[result.gate] = result.status;
  }

  if (!failureMode) {
    const unmet = gatesGuarding(machine, to).filter((gate) => gates[gate] !== 'pass');
    if (unmet.length > 0) {
      throw new BerthError('gate_not_passed', `The ${machine.kind} operation cannot enter "${to}": ${unmet.map((g) => `"${g}" is ${gates[g] ?? 'not recorded'}`).join(', ')}.`, {
        details: { kind: machine.kind, from, to, unmet: unmet.map((gate) => ({ gate, status: gates[gate] ?? null })) },
      });
    }
  }
  return { from, to, gates, failureMode };
}
