import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError, isId, isName } from '@berth/core';
import type { ApiDeps } from './context.js';
import { appFromPath } from './app-routes.js';
import { decodeCursor, page } from './pagination.js';
import { Timestamp, errorResponses, Page } from './schemas.js';
import { allocationsWhere, findAllocation, readAllocationLogs, type AllocationRecord } from '../allocations/allocations-store.js';
import { findEnvironment } from '../apps/apps.js';
import { listEvents } from '../engine/operations-store.js';

const Allocation = Type.Object(
  {
    id: Type.String(), operationId: Type.String(), environmentId: Type.String(), deploymentId: Type.String(), hostId: Type.String(), digest: Type.String(),
    state: Type.String(), role: Type.String(), failureMode: Type.Union([Type.String(), Type.Null()]), reason: Type.Union([Type.String(), Type.Null()]),
    address: Type.Union([Type.Object({ host: Type.String(), port: Type.Integer() }), Type.Null()]),
    stats: Type.Union([Type.Object({ cpuPercent: Type.Number(), memoryBytes: Type.Number(), at: Timestamp }), Type.Null()]),
    memoryBytes: Type.Number(), createdAt: Timestamp, timeline: Type.Optional(Type.Array(Type.Unknown())),
  },
  { $id: 'Allocation' },
);

const present = ({ orgId: _o, appId: _a, version: _v, ...a }: AllocationRecord) => a;

async function environmentFromQuery(deps: ApiDeps, request: FastifyRequest, appId: string, env: string | undefined) {
  if (env === undefined) return undefined;
  if (!isName(env) && !isId('environment', env)) throw new BerthError('invalid_query', `"${env}" is not an environment name.`);
  const found = await findEnvironment(deps.db, appId, env);
  if (!found) throw new BerthError('not_found', `No environment "${env}".`);
  return found;
}

/** Allocations, scaling, and the app's runtime output. */
export async function allocationRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.addSchema(Allocation);

  app.get('/api/apps/:app/allocations', {
    schema: { tags: ['allocations'], summary: 'List an app\'s allocations, newest first (live only unless ?all=true)', params: Type.Object({ app: Type.String({ maxLength: 64 }) }), querystring: Type.Object({ env: Type.Optional(Type.String({ maxLength: 64 })), all: Type.Optional(Type.Boolean()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })), cursor: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false }), response: { 200: Page(Type.Ref(Allocation)), ...errorResponses } },
  }, async (request) => {
    const target = await appFromPath(deps, request);
    const q = request.query as { env?: string; all?: boolean; limit?: number; cursor?: string };
    const env = await environmentFromQuery(deps, request, target.id, q.env);
    const result = await page(q.limit ?? 50, (n) => allocationsWhere(deps.db, { orgId: request.token.orgId, appId: target.id, ...(env ? { environmentId: env.id } : {}), ...(q.all ? {} : { live: true }) }, decodeCursor(q.cursor), n), (a) => a.id);
    return { items: result.items.map(present), nextCursor: result.nextCursor };
  });

  app.get('/api/allocations/:id', {
    schema: { tags: ['allocations'], summary: 'Show an allocation with its lifecycle timeline', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Type.Ref(Allocation), ...errorResponses } },
  }, async (request) => {
    const { id } = request.params as { id: string };
    if (!isId('allocation', id)) throw new BerthError('invalid_id', `"${id}" is not an allocation id (alloc_...).`);
    const a = await findAllocation(deps.db, id, request.token.orgId);
    if (!a) throw new BerthError('not_found', `No allocation ${id} in this organization.`);
    const timeline = (await listEvents(deps.db, a.operationId)).map(({ operationId: _op, ...e }) => e);
    return { ...present(a), timeline };
  });

  app.put('/api/apps/:app/environments/:env/scale', {
    schema: { tags: ['allocations'], summary: 'Set how many allocations an environment runs (clears a crash loop)', params: Type.Object({ app: Type.String({ maxLength: 64 }), env: Type.String({ maxLength: 64 }) }), body: Type.Object({ count: Type.Integer({ minimum: 0, maximum: 100 }) }, { additionalProperties: false }), response: { 200: Type.Object({ environment: Type.String(), count: Type.Integer(), deploymentId: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses } },
  }, async (request) => {
    const target = await appFromPath(deps, request);
    const env = await environmentFromQuery(deps, request, target.id, (request.params as { env: string }).env);
    const { count } = request.body as { count: number };
    const [row] = await deps.db.query<{ deployment_id: string | null }>("UPDATE environments SET desired_count = $2, run_status = 'running', run_status_reason = NULL, run_status_since = $3 WHERE id = $1 RETURNING deployment_id", [env!.id, count, new Date(deps.clock.now())]);
    deps.onSchedulingChange?.();
    return { environment: env!.name, count, deploymentId: row?.deployment_id ?? null };
  });

  app.get('/api/apps/:app/logs', {
    schema: { tags: ['allocations'], summary: 'The app\'s runtime output (stdout and stderr of its allocations), oldest first', params: Type.Object({ app: Type.String({ maxLength: 64 }) }), querystring: Type.Object({ env: Type.Optional(Type.String({ maxLength: 64 })), since: Type.Optional(Type.String({ format: 'date-time' })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })) }, { additionalProperties: false }) },
  }, async (request) => {
    const target = await appFromPath(deps, request);
    const q = request.query as { env?: string; since?: string; limit?: number };
    const env = await environmentFromQuery(deps, request, target.id, q.env);
    const allocations = await allocationsWhere(deps.db, { orgId: request.token.orgId, appId: target.id, ...(env ? { environmentId: env.id } : {}) }, undefined, 1000);
    const lines = await readAllocationLogs(deps.db, { allocationIds: allocations.map((a) => a.id) }, q.since ? new Date(q.since) : undefined, q.limit ?? 500);
    return { items: lines, nextCursor: null };
  });
}
