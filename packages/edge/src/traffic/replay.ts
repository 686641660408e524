import type { Exchange } from '../exchange.js';
import type { StoredResponse } from '../idempotency/idempotency-record.js';

/**
 * Answers a repeat of an idempotent request with the answer kept for its key, marked
 * `Idempotent-Replayed: true` so the client can tell it from a fresh one. When the body was too
 * large to keep, only the status and headers replay, marked `Berth-Replay-Body-Omitted: true`.
 */
export function replayKept(exchange: Exchange, kept: StoredResponse): void {
  const { res, req } = exchange;
  if (res.headersSent) return void res.destroy();
  const body = kept.body === null ? Buffer.alloc(0) : Buffer.from(kept.body, 'base64');
  const headers = [...kept.headers, 'Content-Length', String(body.length), 'Idempotent-Replayed', 'true', 'X-Request-Id', exchange.requestId];
  if (kept.body === null) headers.push('Berth-Replay-Body-Omitted', 'true');
  if (!req.complete || exchange.edge.closing) headers.push('Connection', 'close');
  exchange.outcome = kept.status;
  res.writeHead(kept.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
