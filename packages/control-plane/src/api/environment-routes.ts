import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError, isId, isName } from '@berth/core';
import type { ApiDeps } from './context.js';
import { appFromPath } from './app-routes.js';
import { requireAdmin } from './auth.js';
import { refuseInvalidBody } from './promotion-routes.js';
import { errorResponses } from './schemas.js';
import { findEnvironment } from '../apps/apps.js';
import { freezeEnvironment, setEnvironmentPolicy, unfreezeEnvironment } from '../environments/environment-policy.js';
import { presentEnvironment } from '../environments/environment-view.js';

const EnvParams = Type.Object({ app: Type.String({ maxLength: 64 }), env: Type.String({ maxLength: 64, description: 'The environment\'s name or id.' }) });
const FreezeBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why: shown to whoever tries to promote.' }) }, { additionalProperties: false });
const EmptyBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]);
const PolicyBody = Type.Object(
  {
    requireApproval: Type.Optional(Type.Boolean({ description: 'Each promotion waits for an admin\'s approval.' })),
    gapPolicy: Type.Optional(Type.Union([Type.Literal('fail_closed'), Type.Literal('keep_last_owner')], { description: 'What edges do for its routes after a gap in the route feed.' })),
  },
  { additionalProperties: false },
);

/**
 * An environment's promotion policy. Anyone in the organization may freeze (the first step of the
 * "Bad Deploy" runbook); loosening the policy, unfreezing or changing approval and gap policy,
 * takes an admin token.
 */
export async function environmentRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const base = '/api/apps/:app/environments/:env';
  const baseDomain = deps.baseDomain ?? 'localhost';

  const environmentFromPath = async (request: FastifyRequest) => {
    const found = await appFromPath(deps, request);
    const { env } = request.params as { env: string };
    if (!isId('environment', env) && !isName(env)) throw new BerthError('invalid_id', `"${env}" is neither an environment name nor an id (env_...).`);
    const environment = await findEnvironment(deps.db, found.id, env);
    if (!environment) throw new BerthError('not_found', `App "${found.name}" has no environment "${env}".`);
    refuseInvalidBody(request);
    return { app: found, environment };
  };
  const answer = async (appId: string, appName: string, environmentId: string) => presentEnvironment((await findEnvironment(deps.db, appId, environmentId))!, appName, baseDomain);

  app.post(`${base}/freeze`, {
    attachValidation: true,
    schema: { tags: ['environments'], summary: 'Freeze an environment: promotions are refused with the reason until it is unfrozen (a rollback still goes through)', params: EnvParams, body: FreezeBody, response: { 200: { $ref: 'Environment#' }, ...errorResponses } },
  }, async (request) => {
    const { app: found, environment } = await environmentFromPath(request);
    const reason = (request.body as { reason?: string } | undefined)?.reason?.trim();
    if (!reason) throw new BerthError('invalid_body', 'The request body is not valid: "reason" is required: say why, it is shown to whoever tries to promote.');
    await freezeEnvironment(deps.db, environment.id, { reason, by: request.token.name, now: new Date(deps.clock.now()) });
    return answer(found.id, found.name, environment.id);
  });

  app.post(`${base}/unfreeze`, {
    attachValidation: true,
    schema: { tags: ['environments'], summary: 'Unfreeze an environment: promotions are allowed again (admin tokens only)', params: EnvParams, body: EmptyBody, response: { 200: { $ref: 'Environment#' }, 403: { $ref: 'Error#' }, ...errorResponses } },
  }, async (request) => {
    const { app: found, environment } = await environmentFromPath(request);
    requireAdmin(request);
    await unfreezeEnvironment(deps.db, environment.id);
    return answer(found.id, found.name, environment.id);
  });

  app.patch(base, {
    attachValidation: true,
    schema: { tags: ['environments'], summary: 'Set an environment\'s promotion policy: required approval, edge gap policy (admin tokens only)', params: EnvParams, body: PolicyBody, response: { 200: { $ref: 'Environment#' }, 403: { $ref: 'Error#' }, ...errorResponses } },
  }, async (request) => {
    const { app: found, environment } = await environmentFromPath(request);
    if (request.body === undefined) throw new BerthError('invalid_body', 'Send {"requireApproval": true|false} and/or {"gapPolicy": "fail_closed"|"keep_last_owner"}.');
    requireAdmin(request);
    const seq = await setEnvironmentPolicy(deps.db, environment.id, request.body as { requireApproval?: boolean; gapPolicy?: 'fail_closed' | 'keep_last_owner' }, new Date(deps.clock.now()));
    // A changed gap policy appended route events: edges hear of them now, not at the next poll.
    if (seq > 0) deps.routeFeed?.poke();
    return answer(found.id, found.name, environment.id);
  });
}
