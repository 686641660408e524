/**
 * How forwarding a request can fail, and the one place those failures become HTTP statuses.
 * Everything upstream (an HTTP request, a WebSocket tunnel) reports through `proxyFailureStatus`,
 * so a connection refused reads 502 in every path and a log line means the same thing everywhere.
 */

/** A chunked request body grew past the edge's limit while it was being streamed upstream. */
export class BodyTooLargeError extends Error {
  readonly code = 'BERTH_BODY_TOO_LARGE';

  constructor(limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The allocation was silent for longer than the upstream timeout before its response began. */
export class UpstreamTimeoutError extends Error {
  readonly code = 'BERTH_UPSTREAM_TIMEOUT';

  constructor(timeoutMs: number) {
    super(`upstream sent no response within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

/**
 * 413 the body was too large, 499 the client went away (logged, never sent: nobody is listening),
 * 502 the allocation refused, reset or could not be reached, 504 it did not answer in time.
 */
export type ProxyFailureStatus = 413 | 499 | 502 | 504;

/**
 * The status a failed exchange answers (or logs) with. `clientGone` wins over everything: once the
 * client has left, whatever went wrong upstream is a consequence of it, not the allocation's fault.
 */
export function proxyFailureStatus(error: unknown, clientGone: boolean): ProxyFailureStatus {
  if (clientGone) return 499;
  if (error instanceof BodyTooLargeError) return 413;
  if (error instanceof UpstreamTimeoutError || timeoutCodes.has(errorCode(error) ?? '')) return 504;
  return 502;
}

const timeoutCodes: ReadonlySet<string> = new Set(['ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Failures of the connection itself, as opposed to the allocation's answer. Only these make an
 * idempotent request eligible for its one retry on another target: the request either never
 * reached the allocation or was cut before any response byte, so sending it again is safe.
 */
const connectionFailureCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // undici: the connection closed before the response began ("other side closed").
  'UND_ERR_SOCKET',
]);

export function isConnectionFailure(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && connectionFailureCodes.has(code);
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
