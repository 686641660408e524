export { startControlPlane, type ControlPlane, type ControlPlaneConfig } from './control-plane.js';
export { buildApi } from './api/build-api.js';
export * from './engine/index.js';
export * from './store/index.js';
export * from './route-feed/index.js';
export * from './edges/index.js';
export * from './operations/wake/index.js';
export * from './sleep/index.js';
