import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from './context.js';
import { findOperation, listEvents } from '../engine/operations-store.js';

const pollMs = 300;
const heartbeatMs = 15_000;

/** A second feed a stream can interleave with the operation's timeline (a deployment's build log). */
export interface StreamFeed {
  event: string;
  read(afterSeq: number): Promise<Array<{ seq: number }>>;
}

/** The SSE id carries the position in every feed: `<event seq>` or `<event seq>.<feed seq>`. */
export function parseStreamCursor(value: string | undefined): [number, number] {
  const [a, b] = String(value ?? '').split('.');
  const first = Number(a);
  const second = Number(b);
  return [Number.isInteger(first) && first > 0 ? first : 0, Number.isInteger(second) && second > 0 ? second : 0];
}

/**
 * Server-Sent Events for one operation (and optionally one more feed). The store is the truth: the
 * stream reads new rows from it, woken early by this process's engine when it appends an event and
 * otherwise polling, so it also follows an operation another control plane is driving.
 */
export async function streamOperation(deps: ApiDeps, request: FastifyRequest, reply: FastifyReply, operationId: string, after: [number, number], feed?: StreamFeed): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-request-id': String(request.id) });
  let closed = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    closed = true;
    wake?.();
  };
  request.raw.on('close', stop);
  deps.closing?.addEventListener('abort', stop, { once: true });
  if (deps.closing?.aborted) stop();
  const unsubscribe = deps.engine.onEvent((event) => {
    if (event.operationId === operationId) wake?.();
  });
  let lastBeat = Date.now();
  let [seq, feedSeq] = after;
  const id = () => (feed ? `${seq}.${feedSeq}` : `${seq}`);
  try {
    while (!closed) {
      let wrote = false;
      if (feed) {
        for (const item of await feed.read(feedSeq)) {
          feedSeq = item.seq;
          res.write(`id: ${id()}\nevent: ${feed.event}\ndata: ${JSON.stringify(item)}\n\n`);
          wrote = true;
        }
      }
      const events = await listEvents(deps.db, operationId, seq);
      for (const { operationId: _id, ...event } of events) {
        seq = event.seq;
        res.write(`id: ${id()}\nevent: operation-event\ndata: ${JSON.stringify(event)}\n\n`);
        wrote = true;
      }
      const op = await findOperation(deps.db, operationId);
      if (!op) break;
      if (events.length > 0) res.write(`event: state\ndata: ${JSON.stringify({ state: op.state, role: op.role, failureMode: op.failureMode, reason: op.reason })}\n\n`);
      if (op.role === 'terminal' && !wrote) {
        // Read once more: rows written just before the operation ended must not be lost.
        const rest = (await listEvents(deps.db, operationId, seq)).length + (feed ? (await feed.read(feedSeq)).length : 0);
        if (rest === 0) {
          res.write(`event: end\ndata: ${JSON.stringify({ state: op.state, failureMode: op.failureMode, reason: op.reason })}\n\n`);
          break;
        }
        continue;
      }
      if (wrote) continue;
      if (Date.now() - lastBeat > heartbeatMs) {
        res.write(': heartbeat\n\n');
        lastBeat = Date.now();
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, pollMs);
      });
      wake = undefined;
    }
  } finally {
    unsubscribe();
    deps.closing?.removeEventListener('abort', stop);
    res.end();
  }
}
