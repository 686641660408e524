import type { ClientRequest, IncomingMessage } from 'node:http';
import { refusalFor, type RefusalStatus } from '../edge-responses.js';
import type { Exchange, ExchangeObserver } from '../exchange.js';
import { clientResponseHeaders } from '../forward-headers.js';
import { errorCode, proxyFailureStatus } from '../proxy-errors.js';
import type { IdempotencyRecord, StoredResponse } from './idempotency-record.js';
import type { IdempotencyStore } from './idempotency-store.js';

/** Headers a replay sets itself. */
const notKept = new Set(['content-length', 'transfer-encoding', 'x-request-id', 'connection']);

/**
 * Keeps the answer to a held unsafe request that was forwarded once, under its Idempotency-Key:
 * the app's status, headers and body (the body only up to `maxBodyBytes`), read to its end even
 * if the client has left, since the client's retry is what will want it. An attempt that failed
 * before any byte reached the app (the connection was refused) frees the key instead; any other
 * failure may have reached the app, so the edge's own answer is kept and replayed.
 */
export class IdempotencyObserver implements ExchangeObserver {
  readonly outlivesClient = true;
  #settled = false;
  #error: unknown;

  constructor(readonly store: IdempotencyStore, readonly record: IdempotencyRecord, readonly maxBodyBytes: number) {}

  sent(exchange: Exchange, upstream: ClientRequest): void {
    upstream.once('error', (error) => (this.#error = error));
    upstream.once('close', () => {
      if (exchange.upstreamResponse === undefined) this.#failed();
    });
  }

  response(exchange: Exchange, response: IncomingMessage): void {
    const status = response.statusCode ?? 502;
    const headers = clientResponseHeaders(response, exchange.requestId, false);
    const kept: string[] = [];
    for (let i = 0; i < headers.length; i += 2) if (!notKept.has(headers[i]!.toLowerCase())) kept.push(headers[i]!, headers[i + 1]!);
    const chunks: Buffer[] = [];
    let size = 0;
    let omitted = false;
    response.on('data', (chunk: Buffer) => {
      if (omitted) return;
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        omitted = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    response.once('end', () => this.#settle({ status, headers: kept, body: omitted ? null : Buffer.concat(chunks, size).toString('base64') }));
    // Cut mid-body: the app answered, but what it said is not whole; its head is what can be kept.
    response.once('close', () => {
      if (!response.complete) this.#settle({ status, headers: kept, body: null });
    });
    exchange.res.once('close', () => {
      if (response.complete) return;
      response.unpipe(exchange.res);
      response.resume();
    });
  }

  refused(exchange: Exchange): void {
    // Refused before anything was sent (the route lost its target meanwhile): the key is free again.
    if (exchange.upstream === undefined && !this.#settled) {
      this.#settled = true;
      this.store.forget(this.record);
    }
  }

  #failed(): void {
    if (this.#settled) return;
    if (errorCode(this.#error) === 'ECONNREFUSED') {
      this.#settled = true;
      this.store.forget(this.record);
      return;
    }
    const refusal = refusalFor(proxyFailureStatus(this.#error, false) as RefusalStatus);
    this.#settle({ status: refusal.status, headers: ['Content-Type', 'application/json; charset=utf-8', 'X-Berth-Edge', '1'], body: refusal.json.toString('base64') });
  }

  #settle(response: StoredResponse): void {
    if (this.#settled) return;
    this.#settled = true;
    this.store.done(this.record, response);
  }
}
