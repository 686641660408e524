/** What other packages (e2e tests, later parts) may use of the CLI; the command line itself is bin/berth.js. */
export { ExitCode, exitCodeForStatus, type ExitCodeValue } from './exit-codes.js';
export { CliError } from './cli-error.js';
export { createApiClient, type ApiClient } from './api-client.js';
export { followEventStream, readEventStream, type SseMessage } from './sse.js';
export type { Component } from './up/components.js';
