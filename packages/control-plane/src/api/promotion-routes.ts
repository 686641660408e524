import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError, isId } from '@berth/core';
import type { ApiDeps } from './context.js';
import { appFromPath } from './app-routes.js';
import { toBerthError } from './error-handler.js';
import { decodeCursor, page } from './pagination.js';
import { Page, PageQuery, Timestamp, errorResponses } from './schemas.js';
import { requireAdmin } from './auth.js';
import { findOperation } from '../engine/operations-store.js';
import { productionHostname } from '../environments/environment-view.js';
import { findRouteOwner } from '../routes/route-owners.js';
import { approvePromotion } from '../operations/promotion/approve-promotion.js';
import { listPromotions, presentPromotion } from '../operations/promotion/promotion-view.js';
import { findDeploymentRef, previousProductionDeployment, productionEnvironmentOf, requestPromotion } from '../operations/promotion/request-promotion.js';

const Gate = Type.Object({ status: Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('pending')]), evidence: Type.Record(Type.String(), Type.Unknown()), at: Timestamp });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Promotion = Type.Object(
  {
    id: Type.String({ description: 'The promotion operation\'s id.' }), state: Type.String(), appName: Type.String(), environmentId: Type.String(),
    deploymentId: Type.String(), shortId: Type.String(), digest: Type.String(), host: Type.String({ description: 'The production hostname.' }),
    epoch: Nullable(Type.Integer({ description: 'The route owner\'s epoch after the swap; null until the swap.' })), seq: Nullable(Type.Integer()),
    previousDeploymentId: Nullable(Type.String()), previousEpoch: Nullable(Type.Integer()),
    rollbackEpoch: Nullable(Type.Integer({ description: 'Set when the promotion pointed the route owner back at the previous deployment.' })),
    rollback: Type.Boolean({ description: 'A promotion of an earlier artifact than production ran.' }),
    failureMode: Nullable(Type.String()), reason: Nullable(Type.String()), gates: Type.Record(Type.String(), Gate), createdAt: Timestamp, finishedAt: Nullable(Timestamp),
  },
  { $id: 'Promotion' },
);
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const AppParams = Type.Object({ app: Type.String({ maxLength: 64 }) });
const EmptyBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]);
const ApproveBody = Type.Union([Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }), Type.Null()]);
const RollbackBody = Type.Union([Type.Object({ to: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A deployment id or short id; default: the deployment production served before the current one.' })) }, { additionalProperties: false }), Type.Null()]);
const promotionErrors = { ...errorResponses, 409: { $ref: 'Error#' } } as const;

/** Validation runs after the lookups (attachValidation), so another organization gets 404 whatever it sends; a missing body is no body. */
export function refuseInvalidBody(request: FastifyRequest): void {
  if (request.validationError && request.body !== undefined) throw toBerthError(request.validationError as FastifyError);
}

async function promotionFromPath(deps: ApiDeps, request: FastifyRequest) {
  const { id } = request.params as { id: string };
  if (!isId('operation', id)) throw new BerthError('invalid_id', `"${id}" is not a promotion id (op_...).`);
  const op = await findOperation(deps.db, id, request.token.orgId);
  if (!op || op.kind !== 'promotion') throw new BerthError('not_found', `No promotion ${id} in this organization.`, { suggestion: 'Run `berth promotions list --app <app>` to see promotions.' });
  return op;
}

/**
 * Production promotions and rollbacks: each is a promotion operation (docs/operations/promotion.md)
 * that points the production route owner at an artifact a preview already served. Requests answer
 * 202 at once with the promotion; follow it with GET /api/operations/{id}/stream.
 */
export async function promotionRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.addSchema(Promotion);
  const baseDomain = deps.baseDomain ?? 'localhost';
  const requestDeps = { db: deps.db, engine: deps.engine, clock: deps.clock, baseDomain };
  const idempotencyKey = (request: FastifyRequest) => (typeof request.headers['idempotency-key'] === 'string' ? { idempotencyKey: request.headers['idempotency-key'] } : {});

  app.post('/api/deployments/:id/promote', {
    attachValidation: true,
    schema: {
      tags: ['promotions'], summary: 'Promote a deployment\'s exact preview artifact to production (never a rebuild)',
      description: 'Refused at once with 409 `environment_frozen` when production is frozen, and `deployment_not_promotable` unless the deploy reached preview_ready. Send Idempotency-Key to make a retry attach to the same promotion.',
      params: IdParams, body: EmptyBody, response: { 202: Type.Ref(Promotion), ...promotionErrors },
    },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const deployment = await findDeploymentRef(deps.db, request.token.orgId, id);
    if (!deployment) throw new BerthError('not_found', `No deployment ${id} in this organization.`, { suggestion: 'Run `berth deployments list --app <app>` to see deployments.' });
    refuseInvalidBody(request);
    const [target] = await deps.db.query<{ name: string }>('SELECT name FROM apps WHERE id = $1', [deployment.appId]);
    const { operation } = await requestPromotion(requestDeps, { orgId: request.token.orgId, appName: target!.name, deployment, rollback: false, actor: `token:${request.token.id}`, ...idempotencyKey(request) });
    return reply.status(202).send(await presentPromotion(deps.db, operation, baseDomain));
  });

  app.post('/api/apps/:app/rollback', {
    attachValidation: true,
    schema: {
      tags: ['promotions'], summary: 'Roll production back to an earlier deployment\'s artifact (a promotion of its digest, never a rebuild)',
      description: 'Without `to`, the deployment production served before the current one. Refused with 409 `nothing_to_roll_back` when there is none. A deployment production served may be rolled back to after its preview is gone (the gate "preview artifact exactly matches" then rests on the production route event that named its digest). The rollback fails with "DB rollback unsafe" when the earlier artifact cannot run on the schema applied since.',
      params: AppParams, body: RollbackBody, response: { 202: Type.Ref(Promotion), ...promotionErrors },
    },
  }, async (request, reply) => {
    const target = await appFromPath(deps, request);
    refuseInvalidBody(request);
    const to = (request.body as { to?: string } | null | undefined)?.to;
    const host = productionHostname(target.name, baseDomain);
    const owner = await findRouteOwner(deps.db, host);
    const ref = to ?? (owner?.deploymentId ? await previousProductionDeployment(deps.db, host, owner.deploymentId) : undefined);
    if (!ref) {
      throw new BerthError('nothing_to_roll_back', owner?.deploymentId
        ? `Production of ${target.name} has served only ${owner.deploymentId}; there is no earlier deployment to roll back to.`
        : `Production of ${target.name} serves nothing yet; there is nothing to roll back.`);
    }
    const deployment = await findDeploymentRef(deps.db, request.token.orgId, ref, target.id);
    if (!deployment) throw new BerthError('not_found', `App "${target.name}" has no deployment ${ref}.`, { suggestion: `Run \`berth deployments list --app ${target.name}\` to see its deployments.` });
    if (deployment.id === owner?.deploymentId) throw new BerthError('nothing_to_roll_back', `Production of ${target.name} already serves ${deployment.id} (epoch ${owner.epoch}).`);
    const { operation } = await requestPromotion(requestDeps, { orgId: request.token.orgId, appName: target.name, deployment, rollback: true, actor: `token:${request.token.id}`, ...idempotencyKey(request) });
    return reply.status(202).send(await presentPromotion(deps.db, operation, baseDomain));
  });

  app.get('/api/promotions/:id', {
    schema: { tags: ['promotions'], summary: 'Show a promotion: state, digest, host, epoch, gates', params: IdParams, response: { 200: Type.Ref(Promotion), ...errorResponses } },
  }, async (request) => presentPromotion(deps.db, await promotionFromPath(deps, request), baseDomain));

  app.post('/api/promotions/:id/approve', {
    attachValidation: true,
    schema: { tags: ['promotions'], summary: 'Approve a promotion waiting for approval (admin tokens only)', params: IdParams, body: ApproveBody, response: { 200: Type.Ref(Promotion), 403: { $ref: 'Error#' }, ...promotionErrors } },
  }, async (request) => {
    const op = await promotionFromPath(deps, request);
    refuseInvalidBody(request);
    requireAdmin(request);
    const reason = (request.body as { reason?: string } | null | undefined)?.reason ?? null;
    await approvePromotion(deps.db, deps.clock, op, { name: request.token.name, tokenId: request.token.id }, reason);
    return presentPromotion(deps.db, (await findOperation(deps.db, op.id))!, baseDomain);
  });

  app.get('/api/apps/:app/promotions', {
    schema: { tags: ['promotions'], summary: 'List an app\'s promotions and rollbacks, newest first', params: AppParams, querystring: PageQuery, response: { 200: Page(Type.Ref(Promotion)), ...errorResponses } },
  }, async (request) => {
    const target = await appFromPath(deps, request);
    const environmentId = await productionEnvironmentOf(deps.db, target.id);
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    const result = await page(limit, (n) => listPromotions(deps.db, request.token.orgId, environmentId, decodeCursor(cursor), n), (op) => op.id);
    return { items: await Promise.all(result.items.map((op) => presentPromotion(deps.db, op, baseDomain))), nextCursor: result.nextCursor };
  });
}
