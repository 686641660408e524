import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError, isId, machineFor } from '@berth/core';
import type { ApiDeps } from './context.js';
import { decodeCursor, page } from './pagination.js';
import { Page, Timestamp, errorResponses } from './schemas.js';
import { findOperation, listEvents, listOperations } from '../engine/operations-store.js';
import type { OperationRecord } from '../engine/operation-record.js';
import { parseStreamCursor, streamOperation } from './operation-stream.js';

const Gate = Type.Object({ status: Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('pending')]), evidence: Type.Record(Type.String(), Type.Unknown()), at: Timestamp });
export const OperationEventSchema = Type.Object(
  {
    seq: Type.Integer(), at: Timestamp, type: Type.String(), from: Type.Union([Type.String(), Type.Null()]), to: Type.Union([Type.String(), Type.Null()]),
    sentence: Type.String(), evidence: Type.Record(Type.String(), Type.Unknown()), actor: Type.String(),
  },
  { $id: 'OperationEvent' },
);
const Operation = Type.Object(
  {
    id: Type.String(), kind: Type.String(), subject: Type.Object({ type: Type.String(), id: Type.String() }), state: Type.String(),
    role: Type.Union([Type.Literal('active'), Type.Literal('resting'), Type.Literal('terminal')]), version: Type.Integer(),
    input: Type.Record(Type.String(), Type.Unknown()), output: Type.Record(Type.String(), Type.Unknown()), gates: Type.Record(Type.String(), Gate),
    failureMode: Type.Union([Type.String(), Type.Null()]), reason: Type.Union([Type.String(), Type.Null()]), idempotencyKey: Type.Union([Type.String(), Type.Null()]),
    lease: Type.Union([Type.Object({ owner: Type.String(), expiresAt: Timestamp }), Type.Null()]),
    attempts: Type.Integer(), createdAt: Timestamp, updatedAt: Timestamp, finishedAt: Type.Union([Timestamp, Type.Null()]),
    stateDescription: Type.Optional(Type.String()),
    timeline: Type.Optional(Type.Array(Type.Ref(OperationEventSchema))),
  },
  { $id: 'Operation' },
);
const OpParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })), cursor: Type.Optional(Type.String({ maxLength: 512 })),
    kind: Type.Optional(Type.String({ maxLength: 64 })), state: Type.Optional(Type.String({ maxLength: 64 })), subject: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const publicOperation = ({ orgId: _orgId, runAfter: _runAfter, ...op }: OperationRecord) => ({
  ...op,
  stateDescription: (machineFor(op.kind)?.states as Record<string, { description: string }> | undefined)?.[op.state]?.description,
});

/** The operation named in the path, of the caller's organization. */
export async function operationFromPath(deps: ApiDeps, request: FastifyRequest): Promise<OperationRecord> {
  const { id } = request.params as { id: string };
  if (!isId('operation', id)) throw new BerthError('invalid_id', `"${id}" is not an operation id (op_...).`);
  const op = await findOperation(deps.db, id, request.token.orgId);
  if (!op) throw new BerthError('not_found', `No operation ${id} in this organization.`, { suggestion: 'Run `berth ops list` to see recent operations.' });
  return op;
}

export async function operationRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.addSchema(OperationEventSchema);
  app.addSchema(Operation);

  app.get('/api/operations', {
    schema: { tags: ['operations'], summary: 'List operations, newest first, optionally by kind, state or subject id', querystring: ListQuery, response: { 200: Page(Type.Ref(Operation)), ...errorResponses } },
  }, async (request) => {
    const q = request.query as { limit?: number; cursor?: string; kind?: string; state?: string; subject?: string };
    const filter = { ...(q.kind ? { kind: q.kind } : {}), ...(q.state ? { state: q.state } : {}), ...(q.subject ? { subjectId: q.subject } : {}) };
    const result = await page(q.limit ?? 50, (n) => listOperations(deps.db, request.token.orgId, filter, decodeCursor(q.cursor), n), (op) => op.id);
    return { items: result.items.map(publicOperation), nextCursor: result.nextCursor };
  });

  app.get('/api/operations/:id', {
    schema: { tags: ['operations'], summary: 'Show an operation with its gates and its whole timeline', params: OpParams, response: { 200: Type.Ref(Operation), ...errorResponses } },
  }, async (request) => {
    const op = await operationFromPath(deps, request);
    const timeline = (await listEvents(deps.db, op.id)).map(({ operationId: _id, ...event }) => event);
    return { ...publicOperation(op), timeline };
  });

  app.get('/api/operations/:id/stream', {
    schema: {
      tags: ['operations'],
      summary: 'Stream an operation\'s timeline as Server-Sent Events',
      description: 'Sends the events after `after` (or the Last-Event-ID header), then each new event as it is appended (`event: operation-event`, `id:` the sequence number), a `state` event after each batch, and `end` once the operation is terminal.',
      params: OpParams,
      querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
      produces: ['text/event-stream'],
    },
  }, async (request, reply) => {
    const op = await operationFromPath(deps, request);
    const queryAfter = (request.query as { after?: number }).after;
    const after = queryAfter !== undefined ? queryAfter : parseStreamCursor(request.headers['last-event-id'] as string | undefined)[0];
    await streamOperation(deps, request, reply, op.id, [after, 0]);
  });
}
