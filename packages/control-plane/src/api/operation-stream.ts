import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from './context.js';
import { findOperation, listEvents } from '../engine/operations-store.js';

const pollMs = 500;
const heartbeatMs = 15_000;

/**
 * Server-Sent Events for one operation. The store is the truth: the stream reads new events from
 * it, woken early by this process's engine when it appends one and otherwise polling, so it also
 * follows an operation that another control plane is driving.
 */
export async function streamOperation(deps: ApiDeps, request: FastifyRequest, reply: FastifyReply, operationId: string, after: number): Promise<void> {
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
  let seq = after;
  try {
    while (!closed) {
      const events = await listEvents(deps.db, operationId, seq);
      for (const { operationId: _id, ...event } of events) {
        res.write(`id: ${event.seq}\nevent: operation-event\ndata: ${JSON.stringify(event)}\n\n`);
        seq = event.seq;
      }
      const op = await findOperation(deps.db, operationId);
      if (!op) break;
      if (events.length > 0) res.write(`event: state\ndata: ${JSON.stringify({ state: op.state, role: op.role, failureMode: op.failureMode, reason: op.reason })}\n\n`);
      if (op.role === 'terminal') {
        const rest = await listEvents(deps.db, operationId, seq);
        if (rest.length === 0) {
          res.write(`event: end\ndata: ${JSON.stringify({ state: op.state, failureMode: op.failureMode, reason: op.reason })}\n\n`);
          break;
        }
        continue;
      }
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
