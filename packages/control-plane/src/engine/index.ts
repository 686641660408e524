export { OperationEngine, type EngineDeps, type CreateOperation } from './operation-engine.js';
export type { Executor, StepContext, StepOutcome, StepTransition, StepWait } from './executor.js';
export type { TransitionHook } from './commit-transition.js';
export type { OperationRecord, OperationEvent, GateRecord } from './operation-record.js';
export { findOperation, listEvents, listOperations, type OperationFilter } from './operations-store.js';
export { requestHash, canonicalJson } from './request-hash.js';
