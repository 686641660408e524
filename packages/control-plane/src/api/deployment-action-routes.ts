import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError } from '@berth/core';
import type { ApiDeps } from './context.js';
import { deploymentFromPath, presentDeployment } from './deployment-routes.js';
import { errorResponses } from './schemas.js';
import { parseStreamCursor, streamOperation } from './operation-stream.js';
import { readBuildLog } from '../deployments/build-log.js';
import { findOperation } from '../engine/operations-store.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ActionBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

/**
 * What a person does with a blocked deploy: approve what needs approval (a cold deploy, a contract
 * or destructive migration), retry once the cause is fixed (a secret set), or abandon it. Each is a
 * fenced move of the resting operation, recorded in its timeline with who did it.
 */
export async function deploymentActionRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const blockedOperation = async (operationId: string, action: string) => {
    const op = await findOperation(deps.db, operationId);
    if (!op || op.state !== 'blocked') {
      throw new BerthError('illegal_transition', `Only a blocked deploy can be ${action}; this one is ${op?.state ?? 'gone'}.`, { details: { state: op?.state ?? null } });
    }
    return op;
  };

  app.post('/api/deployments/:id/approve', {
    schema: { tags: ['deployments'], summary: 'Approve a deploy blocked for approval (cold deploy, or a migration that blocks the preview) and validate it again', params: IdParams, body: Type.Union([ActionBody, Type.Null()]), response: { ...errorResponses } },
  }, async (request) => {
    const d = await deploymentFromPath(deps, request);
    const op = await blockedOperation(d.operationId, 'approved');
    if (!op.failureMode || !['cold deploy needs approval', 'migration blocks preview'].includes(op.failureMode)) {
      throw new BerthError('illegal_transition', `This deploy is blocked by ${op.failureMode ? `"${op.failureMode}"` : 'a failing gate'}, which approval does not lift: ${op.reason ?? ''} Fix the cause and run \`berth deploy retry ${d.id}\`.`);
    }
    const approvals = [...((op.output.approvals ?? []) as unknown[]), { failureMode: op.failureMode, by: request.token.name, tokenId: request.token.id, at: new Date(deps.clock.now()).toISOString(), reason: (request.body as { reason?: string } | undefined)?.reason ?? null }];
    await deps.engine.move(op.id, { to: 'validating', expectedVersion: op.version, sentence: `Approved by ${request.token.name}: ${op.failureMode}.`, evidence: { approval: approvals.at(-1) }, output: { approvals } }, `token:${request.token.id}`);
    return presentDeployment(deps, d);
  });

  app.post('/api/deployments/:id/retry', {
    schema: { tags: ['deployments'], summary: 'Validate a blocked deploy again once its cause is fixed', params: IdParams, body: Type.Union([ActionBody, Type.Null()]), response: { ...errorResponses } },
  }, async (request) => {
    const d = await deploymentFromPath(deps, request);
    const op = await blockedOperation(d.operationId, 'retried');
    await deps.engine.move(op.id, { to: 'validating', expectedVersion: op.version, sentence: `Retried by ${request.token.name}.` }, `token:${request.token.id}`);
    return presentDeployment(deps, d);
  });

  app.post('/api/deployments/:id/abandon', {
    schema: { tags: ['deployments'], summary: 'Give up on a blocked deploy', params: IdParams, body: Type.Union([ActionBody, Type.Null()]), response: { ...errorResponses } },
  }, async (request) => {
    const d = await deploymentFromPath(deps, request);
    const op = await blockedOperation(d.operationId, 'abandoned');
    const reason = `Abandoned by ${request.token.name}${(request.body as { reason?: string } | undefined)?.reason ? `: ${(request.body as { reason: string }).reason}` : ''}.`;
    await deps.engine.move(op.id, { to: 'failed', expectedVersion: op.version, sentence: reason, reason }, `token:${request.token.id}`);
    return presentDeployment(deps, d);
  });

  app.get('/api/deployments/:id/stream', {
    schema: {
      tags: ['deployments'],
      summary: 'Follow a deploy live: its timeline and its build output as Server-Sent Events',
      description: 'Events: `operation-event` (the timeline), `log` (build output chunks: {seq, at, text}), `state`, and `end` once the deploy is terminal. Resume with Last-Event-ID.',
      params: IdParams,
      produces: ['text/event-stream'],
    },
  }, async (request, reply) => {
    const d = await deploymentFromPath(deps, request);
    const after = parseStreamCursor(request.headers['last-event-id'] as string | undefined);
    await streamOperation(deps, request, reply, d.operationId, after, { event: 'log', read: (seq) => readBuildLog(deps.db, d.id, seq) });
  });
}
