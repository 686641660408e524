export * from './errors/index.js';
export * from './ids/index.js';
export * from './operations/index.js';
export * from './manifest/index.js';
export { type Clock, systemClock } from './clock.js';
export * from './wire/runner-protocol.js';
export * from './route-feed/index.js';
export * from './traffic/index.js';
