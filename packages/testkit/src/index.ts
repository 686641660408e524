export { FakeClock } from './clock.js';
export { eventually } from './eventually.js';
export { tempDir } from './temp-dir.js';
