import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorCatalog, type ErrorCode } from '@berth/core';

/**
 * The answers the edge gives itself, when no allocation answers: an unknown host, nothing ready, a
 * refused body, a failed upstream, a route failed closed. Each carries `X-Berth-Edge: 1` so a person
 * (or a test) can tell an edge refusal from the app's own 404 or 502. The codes, messages and
 * suggestions are core's error catalog (docs/errors.md); bodies are rendered once at start-up, in
 * JSON (the API's error shape) and in small HTML for browsers, and the hot path only picks one.
 */
const refusalCodes = [
  'bad_request', 'host_not_found', 'request_timeout', 'body_too_large', 'request_header_too_large', 'upstream_unreachable',
  'no_ready_target', 'upstream_timeout', 'route_unverified', 'edge_not_synced', 'asset_not_found', 'asset_method_not_allowed',
  'range_not_satisfiable', 'asset_unavailable',
  // Sleep and wake, unsafe requests and webhooks (the traffic/ folder).
  'app_waking', 'wake_failed', 'wake_hold_full', 'unsafe_request_not_held', 'request_path_malformed', 'webhook_signature_invalid',
  'webhook_event_in_flight', 'webhook_unverifiable', 'idempotency_key_in_flight', 'idempotency_key_reused',
] as const satisfies readonly ErrorCode[];

export type RefusalCode = (typeof refusalCodes)[number];

/** The refusal each status means when only a status is known (a parser error, a proxy failure). */
const codeForStatus = {
  400: 'bad_request',
  404: 'host_not_found',
  408: 'request_timeout',
  413: 'body_too_large',
  431: 'request_header_too_large',
  502: 'upstream_unreachable',
  503: 'no_ready_target',
  504: 'upstream_timeout',
} as const satisfies Record<number, RefusalCode>;

export type RefusalStatus = keyof typeof codeForStatus;

/** One refusal as it goes on the wire; built once per code. */
export interface RenderedRefusal {
  readonly code: RefusalCode;
  readonly status: number;
  readonly json: Buffer;
  readonly html: Buffer;
  /** 503s ask the client to come back: the condition is expected to pass. */
  readonly retryAfter: boolean;
}

/**
 * What a refusal may say beyond its catalog entry: a more specific message (a webhook signature's
 * reason, a wake's failure) and details for programs. Rendered per answer, off the hot path.
 */
export interface RefusalDetail {
  readonly message?: string | undefined;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

function render(code: RefusalCode, detail?: RefusalDetail): RenderedRefusal {
  const { status, message: catalogMessage, suggestion } = errorCatalog[code];
  const message = detail?.message ?? catalogMessage;
  const json = JSON.stringify({ error: { code, message, suggestion, ...(detail?.details ? { details: detail.details } : {}) } });
  const title = `${status} ${STATUS_CODES[status] ?? ''}`;
  // A browser waiting for a waking app reloads the page by itself.
  const refresh = code === 'app_waking' ? '<meta http-equiv="refresh" content="2">' : '';
  const html = `<!doctype html><html><head><meta charset="utf-8">${refresh}<title>${title}</title></head>`
    + `<body><h1>${title}</h1><p>${escapeHtml(message)}</p><p>${escapeHtml(suggestion)}</p></body></html>\n`;
  return { code, status, json: Buffer.from(json), html: Buffer.from(html), retryAfter: status === 503 };
}

const rendered = new Map<string, RenderedRefusal>();
for (const code of refusalCodes) rendered.set(code, render(code));

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
}

/** The rendered refusal for a code, or for the code a bare status stands for. */
export function refusalFor(what: RefusalCode | RefusalStatus): RenderedRefusal {
  return rendered.get(typeof what === 'number' ? codeForStatus[what] : what)!;
}

function bodyFor(refusal: RenderedRefusal, accept: string | undefined): { type: string; body: Buffer } {
  // Browsers ask for text/html first; everything else (curl, fetch, SDKs) gets the JSON shape.
  return accept !== undefined && accept.includes('text/html')
    ? { type: 'text/html; charset=utf-8', body: refusal.html }
    : { type: 'application/json; charset=utf-8', body: refusal.json };
}

/**
 * Answers a request with the edge's own refusal. `close` ends the connection after it: used when
 * the client's request body is left unread (413) so the socket is not reused mid-body. `extra` is
 * a flat header list the refusal adds (Allow on a 405, Content-Range on a 416).
 */
export function sendRefusal(res: ServerResponse, what: RefusalCode | RefusalStatus, requestId: string, accept: string | undefined, close: boolean, extra?: readonly string[], detail?: RefusalDetail): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const refusal = detail === undefined ? refusalFor(what) : render(refusalFor(what).code, detail);
  const { type, body } = bodyFor(refusal, accept);
  const headers = [
    'Content-Type', type,
    'Content-Length', String(body.length),
    'Cache-Control', 'no-store',
    'X-Berth-Edge', '1',
    'X-Request-Id', requestId,
  ];
  if (refusal.retryAfter) headers.push('Retry-After', '1');
  if (close) headers.push('Connection', 'close');
  if (extra !== undefined) headers.push(...extra);
  res.writeHead(refusal.status, headers);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * The same refusal written straight onto a socket, for the two places with no ServerResponse: a
 * request Node's parser refused (`clientError`) and a WebSocket upgrade. The connection always
 * closes after it.
 */
export function writeRawRefusal(socket: Duplex, what: RefusalCode | RefusalStatus, requestId?: string, detail?: RefusalDetail): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const refusal = detail === undefined ? refusalFor(what) : render(refusalFor(what).code, detail);
  const { type, body } = bodyFor(refusal, undefined);
  let head = `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n`
    + 'Cache-Control: no-store\r\nX-Berth-Edge: 1\r\nConnection: close\r\n';
  if (requestId !== undefined) head += `X-Request-Id: ${requestId}\r\n`;
  if (refusal.retryAfter) head += 'Retry-After: 1\r\n';
  socket.write(`${head}\r\n`);
  socket.end(body);
}
