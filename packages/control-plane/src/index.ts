export { startControlPlane, type ControlPlane, type ControlPlaneConfig } from './control-plane.js';
export { buildApi } from './api/build-api.js';
export * from './engine/index.js';
export * from './store/index.js';
