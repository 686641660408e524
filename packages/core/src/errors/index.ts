export { BerthError, isBerthError } from './berth-error.js';
export { errorCatalog, type ErrorCode } from './catalog.js';
