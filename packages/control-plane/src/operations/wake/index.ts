export { wakeExecutor } from './wake-executor.js';
export { wakeDefaults, type WakeDeps } from './wake-deps.js';
export { requestWake, type RequestWakeDeps, type WakeAnswer, type WakeRequest } from './request-wake.js';
export { presentWake, wakeRequestClasses, type WakeInput, type WakeRequestClass, type WakeTrigger, type WakeView } from './wake-record.js';
export { wakeStatus, type WakeStatus } from './wake-status.js';
export { bindingSecretName } from './runtime-inputs.js';
export { currentWake, findWake, latestWake } from './wake-lookup.js';
