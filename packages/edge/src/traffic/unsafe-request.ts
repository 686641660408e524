import type { Exchange } from '../exchange.js';
import { IdempotencyObserver } from '../idempotency/idempotency-observer.js';
import { bodyHashOf, idempotencyKeyOf, type IdempotencyRecord } from '../idempotency/idempotency-record.js';
import { proxyToTarget } from '../proxy-request.js';
import { holdExchange } from './hold-exchange.js';
import { readBody } from './read-body.js';
import { replayKept } from './replay.js';
import type { TrafficDesk } from './traffic-desk.js';

/**
 * An unsafe request (POST, PUT, PATCH, DELETE, or a route declared unsafe). A key the edge
 * remembers decides first: the kept answer, 409 while the first request is held or in flight, 422
 * for another request under the same key. Then, with a ready target, it is proxied once, as ever.
 * While the app is cold it is never replayed silently (DESIGN rule 5): with an Idempotency-Key and
 * a body under the hold limit it is read, held and forwarded exactly once when the app is ready;
 * otherwise the wake starts and the client gets a retryable 503.
 */
export function handleUnsafe(desk: TrafficDesk, exchange: Exchange, expectContinue: boolean, arrivedAt: number): void {
  const { req } = exchange;
  const route = exchange.route!;
  const key = keyOf(exchange);
  if (key !== undefined) {
    const record = desk.idempotency.find(route.hostname, key);
    if (record !== undefined) return void answerRepeat(desk, exchange, record, expectContinue);
  }
  if (route.targets.length > 0) return proxyToTarget(exchange, expectContinue);
  if (route.sleeps === false) return exchange.refuse(503);
  desk.wake(route, 'unsafe', desk.trigger(req, { idempotencyKey: key !== undefined }));
  const declared = Number(req.headers['content-length'] ?? 0);
  if (key === undefined || !(declared <= desk.holdBodyLimitBytes) || !desk.holds.fits(declared)) return exchange.refuse('unsafe_request_not_held');

  const record = desk.idempotency.begin(route.hostname, key, req.method ?? '', req.url ?? '');
  void readBody(exchange, desk.holdBodyLimitBytes, expectContinue).then((read) => {
    if (read.kind !== 'read' || exchange.clientGone) {
      desk.idempotency.forget(record);
      if (read.kind === 'too_large') exchange.refuse('unsafe_request_not_held');
      else if (read.kind === 'stalled') exchange.refuse(408, 'request body stalled');
      return;
    }
    record.bodyHash = bodyHashOf(read.body);
    exchange.body = read.body;
    holdExchange(desk, exchange, arrivedAt, read.body.length, (ready) => forwardOnce(desk, ready, record), () => {
      if (record.state === 'held') desk.idempotency.forget(record);
    });
  });
}

/** The app is ready: the record goes to disk as in flight, then the request goes upstream, once. */
function forwardOnce(desk: TrafficDesk, exchange: Exchange, record: IdempotencyRecord): void {
  desk.idempotency.forwarding(record).then(
    () => {
      if (exchange.clientGone) {
        desk.idempotency.forget(record);
        return;
      }
      exchange.observer = new IdempotencyObserver(desk.idempotency, record, desk.maxReplayBodyBytes);
      proxyToTarget(exchange, false);
    },
    (error: unknown) => {
      desk.idempotency.forget(record);
      desk.log(`idempotency: a held request for ${record.scope} was not sent: its record could not be written (${error instanceof Error ? error.message : String(error)})`);
      if (!exchange.clientGone) exchange.refuse('unsafe_request_not_held');
    },
  );
}

/** A request under a key the edge remembers: never sent again. */
async function answerRepeat(desk: TrafficDesk, exchange: Exchange, record: IdempotencyRecord, expectContinue: boolean): Promise<void> {
  const { req } = exchange;
  if (record.method !== req.method || record.path !== req.url) return exchange.refuse('idempotency_key_reused');
  if (record.state !== 'done') return exchange.refuse('idempotency_key_in_flight');
  const read = await readBody(exchange, desk.holdBodyLimitBytes, expectContinue);
  if (read.kind === 'gone') return;
  if (read.kind === 'stalled') return exchange.refuse(408, 'request body stalled');
  if (read.kind === 'too_large' || bodyHashOf(read.body) !== record.bodyHash) return exchange.refuse('idempotency_key_reused');
  const kept = await desk.idempotency.response(record);
  if (exchange.clientGone) return;
  if (kept === undefined) return exchange.refuse('idempotency_key_in_flight');
  replayKept(exchange, kept);
}

/** The request's Idempotency-Key, when it carries exactly one plausible key. */
function keyOf(exchange: Exchange): string | undefined {
  const raw = exchange.req.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const distinct = exchange.req.headersDistinct['idempotency-key'];
  return distinct !== undefined && distinct.length === 1 ? idempotencyKeyOf(raw) : undefined;
}
