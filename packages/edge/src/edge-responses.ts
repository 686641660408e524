import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorCatalog } from '@berth/core';

/**
 * The answers the edge gives itself, when no allocation answers: an unknown host, nothing ready, a
 * refused body, a failed upstream. Each carries `X-Berth-Edge: 1` so a person (or a test) can tell
 * an edge refusal from the app's own 404 or 502. Bodies are rendered once at start-up, in JSON (the
 * API's error shape) and in small HTML for browsers; the hot path only picks one.
 */
interface Refusal {
  code: string;
  message: string;
  suggestion: string;
}

// These codes belong in core's error catalog and docs/errors.md; until the edge's wiring session
// adds them there, `body_too_large` is the one the catalog already has.
const refusals = {
  400: { code: 'bad_request', message: 'The request is not valid HTTP.', suggestion: 'Fix the request framing (Content-Length, Transfer-Encoding, chunk sizes) and send it again.' },
  404: { code: 'host_not_found', message: 'No app is served at this hostname.', suggestion: 'Check the hostname; `berth apps show <app>` lists the hostnames an app answers on.' },
  408: { code: 'request_timeout', message: 'The request was not received in time.', suggestion: 'Send the whole request promptly, or check the network between you and the edge.' },
  413: { code: 'body_too_large', message: errorCatalog.body_too_large.message, suggestion: errorCatalog.body_too_large.suggestion },
  431: { code: 'request_header_too_large', message: 'The request headers are larger than the edge accepts.', suggestion: 'Send fewer or smaller headers (large cookies are the usual cause).' },
  502: { code: 'upstream_unreachable', message: 'The app did not accept the connection or closed it before answering.', suggestion: 'Retry; if it persists, read the app\'s logs (`berth logs <app>`).' },
  503: { code: 'no_ready_target', message: 'The app has no ready instance right now.', suggestion: 'Retry after the Retry-After delay; `berth apps show <app>` says why nothing is ready.' },
  504: { code: 'upstream_timeout', message: 'The app did not answer in time.', suggestion: 'Retry; if it persists, the app is too slow for this request or stuck: read its logs.' },
} as const satisfies Record<number, Refusal>;

export type RefusalStatus = keyof typeof refusals;

interface RenderedRefusal {
  json: Buffer;
  html: Buffer;
}

const rendered = new Map<number, RenderedRefusal>();
for (const [status, refusal] of Object.entries(refusals)) {
  const json = JSON.stringify({ error: { code: refusal.code, message: refusal.message, suggestion: refusal.suggestion } });
  const title = `${status} ${STATUS_CODES[Number(status)] ?? ''}`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>`
    + `<body><h1>${title}</h1><p>${refusal.message}</p><p>${refusal.suggestion.replaceAll('<', '&lt;')}</p></body></html>\n`;
  rendered.set(Number(status), { json: Buffer.from(json), html: Buffer.from(html) });
}

function bodyFor(status: RefusalStatus, accept: string | undefined): { type: string; body: Buffer } {
  const page = rendered.get(status)!;
  // Browsers ask for text/html first; everything else (curl, fetch, SDKs) gets the JSON shape.
  return accept !== undefined && accept.includes('text/html')
    ? { type: 'text/html; charset=utf-8', body: page.html }
    : { type: 'application/json; charset=utf-8', body: page.json };
}

/**
 * Answers a request with the edge's own refusal. `close` ends the connection after it: used when
 * the client's request body is left unread (413) so the socket is not reused mid-body.
 */
export function sendRefusal(res: ServerResponse, status: RefusalStatus, requestId: string, accept: string | undefined, close: boolean): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { type, body } = bodyFor(status, accept);
  const headers = [
    'Content-Type', type,
    'Content-Length', String(body.length),
    'Cache-Control', 'no-store',
    'X-Berth-Edge', '1',
    'X-Request-Id', requestId,
  ];
  if (status === 503) headers.push('Retry-After', '1');
  if (close) headers.push('Connection', 'close');
  res.writeHead(status, headers);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * The same refusal written straight onto a socket, for the two places with no ServerResponse: a
 * request Node's parser refused (`clientError`) and a WebSocket upgrade. The connection always
 * closes after it.
 */
export function writeRawRefusal(socket: Duplex, status: RefusalStatus, requestId?: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const { type, body } = bodyFor(status, undefined);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n`
    + 'Cache-Control: no-store\r\nX-Berth-Edge: 1\r\nConnection: close\r\n';
  if (requestId !== undefined) head += `X-Request-Id: ${requestId}\r\n`;
  if (status === 503) head += 'Retry-After: 1\r\n';
  socket.write(`${head}\r\n`);
  socket.end(body);
}
