import type { MachineSpec, StateSpec } from '../machine.js';
import { allocationMachine } from './allocation.js';
import { databaseMigrationMachine } from './database-migration.js';
import { deployMachine } from './deploy.js';
import { hostDrainMachine } from './host-drain.js';
import { promotionMachine } from './promotion.js';
import { regionEnablementMachine } from './region-enablement.js';
import { wakeMachine } from './wake.js';

export { allocationMachine, type AllocationState } from './allocation.js';
export { databaseMigrationMachine, type DatabaseMigrationState } from './database-migration.js';
export { deployMachine, type DeployState } from './deploy.js';
export { hostDrainMachine, type HostDrainState } from './host-drain.js';
export { promotionMachine, type PromotionState } from './promotion.js';
export { regionEnablementMachine, type RegionEnablementState } from './region-enablement.js';
export { wakeMachine, type WakeState } from './wake.js';

/**
 * The seven operations of seeds/001, each declared once in its own file beside this one and
 * documented in docs/operations/<kind>.md (a test keeps the two equal).
 */
export const machines = {
  deploy: deployMachine,
  promotion: promotionMachine,
  wake: wakeMachine,
  allocation: allocationMachine,
  host_drain: hostDrainMachine,
  region_enablement: regionEnablementMachine,
  database_migration: databaseMigrationMachine,
} as const satisfies Record<string, MachineSpec>;

export type OperationKind = keyof typeof machines;
export const operationKinds = Object.keys(machines) as OperationKind[];

export function machineFor(kind: string): MachineSpec | undefined {
  return Object.hasOwn(machines, kind) ? (machines as Record<string, MachineSpec>)[kind] : undefined;
}

/**
 * Lists what is wrong with a machine, as sentences; an empty list means the engine can drive it.
 * The compiler already checks that every state has a transitions entry; this checks what it cannot:
 * that the table has no dead ends or unreachable states, that every gate and failure mode can take
 * effect, and that every active state can fail with a named failure mode (the engine must never
 * leave an operation stuck in a state it runs).
 */
export function validateMachine(spec: MachineSpec): string[] {
  const problems: string[] = [];
  const states = spec.states as Readonly<Record<string, StateSpec>>;
  const transitions = spec.transitions as Readonly<Record<string, readonly string[]>>;
  const names = Object.keys(states);
  const isState = (name: string) => Object.hasOwn(states, name);
  const roleOf = (name: string) => (isState(name) ? states[name]?.role : undefined);
  const next = (name: string) => (Object.hasOwn(transitions, name) ? (transitions[name] ?? []) : []);

  if (!isState(spec.initial)) problems.push(`The initial state "${spec.initial}" is not a state.`);
  else if (roleOf(spec.initial) === 'terminal') problems.push(`The initial state "${spec.initial}" is terminal, so nothing could happen.`);
  for (const from of Object.keys(transitions)) {
    if (!isState(from)) problems.push(`The transitions list "${from}", which is not a state.`);
  }
  for (const name of names) {
    if (!states[name]?.description.trim()) problems.push(`The state "${name}" has no description.`);
    if (!Object.hasOwn(transitions, name)) problems.push(`The state "${name}" has no transitions entry (a terminal state maps to []).`);
    const out = next(name);
    for (const to of out) if (!isState(to)) problems.push(`"${name}" → "${to}" leads to an unknown state.`);
    if (out.includes(name)) problems.push(`"${name}" → "${name}" is a transition to itself.`);
    if (new Set(out).size !== out.length) problems.push(`The transitions from "${name}" list a state twice.`);
    if (roleOf(name) === 'terminal' && out.length > 0) problems.push(`The terminal state "${name}" has outgoing transitions.`);
    if (roleOf(name) !== 'terminal' && out.length === 0) problems.push(`The ${roleOf(name)} state "${name}" has no way out.`);
  }

  const reachable = closure([spec.initial], next);
  for (const name of names) if (!reachable.has(name)) problems.push(`The state "${name}" is unreachable from "${spec.initial}".`);
  const previous = (name: string) => names.filter((from) => next(from).includes(name));
  const finishing = closure(names.filter((name) => roleOf(name) === 'terminal'), previous);
  for (const name of names) if (!finishing.has(name)) problems.push(`No terminal state can be reached from "${name}".`);

  const nonTerminal = names.filter((name) => roleOf(name) !== 'terminal');
  for (const name of duplicates(spec.gates.map((gate) => gate.name))) problems.push(`The gate "${name}" is declared twice.`);
  for (const gate of spec.gates) {
    if (!gate.description.trim()) problems.push(`The gate "${gate.name}" has no description.`);
    if (gate.guards.length === 0) problems.push(`The gate "${gate.name}" guards no state.`);
    for (const state of gate.guards) {
      if (!isState(state)) problems.push(`The gate "${gate.name}" guards "${state}", which is not a state.`);
      else if (!nonTerminal.some((from) => next(from).includes(state))) problems.push(`The gate "${gate.name}" guards "${state}", which no transition enters, so it is never checked.`);
    }
  }
  for (const name of duplicates(spec.failureModes.map((mode) => mode.name))) problems.push(`The failure mode "${name}" is declared twice.`);
  for (const mode of spec.failureModes) {
    if (!mode.description.trim() || !mode.remedy.trim()) problems.push(`The failure mode "${mode.name}" needs a description and a remedy.`);
    if (!isState(mode.leadsTo)) problems.push(`The failure mode "${mode.name}" leads to "${mode.leadsTo}", which is not a state.`);
    else if (!nonTerminal.some((from) => next(from).includes(mode.leadsTo))) problems.push(`The failure mode "${mode.name}" leads to "${mode.leadsTo}", which no transition enters, so it can never be recorded.`);
  }
  for (const name of nonTerminal.filter((state) => roleOf(state) === 'active')) {
    if (!spec.failureModes.some((mode) => next(name).includes(mode.leadsTo))) problems.push(`The active state "${name}" cannot record any failure mode.`);
  }
  return problems;
}

/** Every state reachable from `start` by repeatedly following `step`. */
function closure(start: readonly string[], step: (state: string) => readonly string[]): Set<string> {
  const seen = new Set(start);
  const queue = [...start];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const to of step(state)) {
      if (seen.has(to)) continue;
      seen.add(to);
      queue.push(to);
    }
  }
  return seen;
}

function duplicates(names: readonly string[]): string[] {
  return [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
}
