import type { MachineSpec } from '../machine.js';

/**
 * The seven operations of seeds/001, each declared once in its own file beside this one.
 * (Filled in by the machines work; see docs/operations/.)
 */
export const machines = {} as const satisfies Record<string, MachineSpec>;

export type OperationKind = keyof typeof machines;
export const operationKinds = Object.keys(machines) as OperationKind[];

export function machineFor(kind: string): MachineSpec | undefined {
  return (machines as Record<string, MachineSpec>)[kind];
}
