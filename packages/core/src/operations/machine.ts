/**
 * The shape every durable operation is declared in. A machine is data: its states, the legal
 * transitions between them, the gates checked before a guarded state is entered, and the named
 * failure modes with where each one leads. The operation engine in the control plane drives an
 * operation through its machine; `decide()` is the one pure function that says whether a proposed
 * transition is allowed.
 */

/**
 * What a state means to the engine.
 * - `active`: the engine holds a lease and runs the kind's executor for this state.
 * - `resting`: the operation waits for something outside the engine (a person approving, traffic,
 *   a drain request); no lease is held and no executor runs until an outside call moves it on.
 * - `terminal`: the operation is finished; no transition leaves it.
 */
export type StateRole = 'active' | 'resting' | 'terminal';

export interface StateSpec {
  readonly role: StateRole;
  /** One sentence a person reads in `berth ops show`: what being in this state means. */
  readonly description: string;
}

export interface GateSpec {
  /** The seed's wording, used as the gate's name on the wire and in the docs. */
  readonly name: string;
  /** The states this gate guards: entering any of them requires the gate to have passed. */
  readonly guards: readonly string[];
  readonly description: string;
}

export interface FailureModeSpec {
  /** The seed's wording, used as the failure mode's name on the wire and in the docs. */
  readonly name: string;
  /** The state an operation moves to when this failure mode is recorded. */
  readonly leadsTo: string;
  readonly description: string;
  /** What a person should do about it. */
  readonly remedy: string;
}

export interface MachineSpec<S extends string = string> {
  /** The operation kind, e.g. `deploy`; also the value stored in `operations.kind`. */
  readonly kind: string;
  /** The seed's title, e.g. "Deploy Pipeline". */
  readonly title: string;
  readonly description: string;
  /** Every state, in the seed's order. */
  readonly states: Readonly<Record<S, StateSpec>>;
  /** Where a new operation starts. */
  readonly initial: S;
  /** Legal transitions: for each state, the states it may move to. Terminal states map to []. */
  readonly transitions: Readonly<Record<S, readonly S[]>>;
  readonly gates: readonly GateSpec[];
  readonly failureModes: readonly FailureModeSpec[];
}

export type GateStatus = 'pass' | 'fail' | 'pending';

export interface GateResult {
  readonly gate: string;
  readonly status: GateStatus;
  /** Why: what was checked and what was found. Never a secret value. */
  readonly evidence: Record<string, unknown>;
}
