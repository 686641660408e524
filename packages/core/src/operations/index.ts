export * from './machine.js';
export * from './decide.js';
export { machines, machineFor, operationKinds, type OperationKind } from './machines/index.js';
