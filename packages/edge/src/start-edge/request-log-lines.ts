import type { EdgeLog, EdgeLogEntry } from '../edge-context.js';

/**
 * The request log as lines for an operator: failures of the edge's own doing or of an allocation
 * (upstream failures, retries, broken tunnels, refused parses). Plain refusals (an unknown host, a
 * 503 while nothing is ready) are the client's business and would drown the rest.
 */
export function requestLogLines(log: (line: string) => void): EdgeLog {
  return (entry: EdgeLogEntry) => {
    if (entry.event === 'refused' || entry.event === 'client_gone') return;
    const where = `${entry.method ?? ''} ${entry.hostname ?? ''}${entry.path ?? ''}`.trim();
    const to = entry.allocationId !== undefined ? ` -> ${entry.allocationId}` : '';
    log(`request ${entry.requestId ?? '-'}: ${entry.event} ${entry.status} ${where}${to}${entry.error !== undefined ? ` (${entry.error})` : ''}`);
  };
}
