import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError, isId, isName } from '@berth/core';
import type { ApiDeps } from './context.js';
import { appFromPath } from './app-routes.js';
import { errorResponses } from './schemas.js';
import { findEnvironment } from '../apps/apps.js';
import { verifyEdgeToken } from '../edges/edge-token.js';
import { findEdge, markEdgeSeen } from '../edges/edges-store.js';
import { requestWake } from '../operations/wake/request-wake.js';
import { findWake } from '../operations/wake/wake-lookup.js';
import { wakeRequestClasses } from '../operations/wake/wake-record.js';
import { wakeStatus } from '../operations/wake/wake-status.js';
import { recordEdgeActivity, type ActivityReport } from '../sleep/edge-activity.js';
import { recordDrainReports, type DrainReport } from '../sleep/drain-reports.js';


const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Trigger = Type.Object({
  method: Type.String({ pattern: '^[A-Z]{1,16}$' }),
  path: Type.String({ minLength: 1, maxLength: 2048, description: 'The request path, without the query.' }),
  idempotencyKey: Type.Optional(Type.Boolean({ description: 'Whether an unsafe request carried an Idempotency-Key (never its value).' })),
  webhook: Type.Optional(Type.Object({
    provider: Type.String({ minLength: 1, maxLength: 40 }),
    eventId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 256, description: 'The verified provider event id, once the signature passed.' }))),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
const WakeBody = Type.Object({
  environmentId: Type.String({ maxLength: 64 }),
  requestClass: Type.Union(wakeRequestClasses.map((c) => Type.Literal(c))),
  trigger: Trigger,
}, { additionalProperties: false });
const WakeAnswer = Type.Object({
  wakeId: Type.String(), state: Type.String(), attached: Type.Boolean({ description: 'False for the request that created the wake.' }),
  budgetMs: Type.Integer({ description: 'How long safe requests may be held: the app\'s [scale] wake_budget.' }), routeEpoch: Nullable(Type.Integer()),
});
const WakeState = Type.Object({ wakeId: Type.String(), environmentId: Type.String(), state: Type.String(), failureMode: Nullable(Type.String()), reason: Nullable(Type.String()) });
const ActivityBody = Type.Object({
  environments: Type.Array(Type.Object({
    environmentId: Type.String({ maxLength: 64 }),
    lastRequestAt: Nullable(Type.String({ format: 'date-time' })),
    openSessions: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    inFlight: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
  }, { additionalProperties: false }), { maxItems: 10_000 }),
  drains: Type.Optional(Type.Array(Type.Object({
    environmentId: Type.String({ maxLength: 64 }),
    allocationId: Type.String({ maxLength: 64 }),
    sessionsClosedAtDeadline: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
  }, { additionalProperties: false }), { maxItems: 1_000 })),
}, { additionalProperties: false });
const edgeErrors = { ...errorResponses, 409: { $ref: 'Error#' } } as const;

/** The registered edge presenting the request's edge token. */
async function edgeOf(deps: ApiDeps, request: FastifyRequest): Promise<string> {
  const token = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
  const { edgeId } = verifyEdgeToken(deps.edgeTokenKey!, token, deps.clock.now());
  if (!(await findEdge(deps.db, edgeId))) throw new BerthError('unauthenticated', 'This edge is no longer registered.', { suggestion: 'Register again with a join token.' });
  return edgeId;
}

/**
 * Sleep and wake: edges create or join an environment's one wake and follow its state, and report
 * the activity the sleep controller decides by; people read the "Stuck Wake" runbook of an app.
 */
export async function wakeRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  if (deps.edgeTokenKey) {
    app.post('/api/edges/wakes', {
      schema: { tags: ['wake'], summary: 'An edge creates the environment\'s wake, or joins the one in flight (one per environment, enforced by the store)', security: [], body: WakeBody, response: { 200: WakeAnswer, ...edgeErrors } },
    }, async (request) => {
      const edgeId = await edgeOf(deps, request);
      const body = request.body as { environmentId: string; requestClass: (typeof wakeRequestClasses)[number]; trigger: { method: string; path: string; idempotencyKey?: boolean; webhook?: { provider: string; eventId?: string | null } } };
      if (!isId('environment', body.environmentId)) throw new BerthError('invalid_id', `"${body.environmentId}" is not an environment id (env_...).`);
      const answer = await requestWake({ db: deps.db, engine: deps.engine, clock: deps.clock }, { ...body, edgeId });
      return { wakeId: answer.wake.wakeId, state: answer.wake.state, attached: answer.attached, budgetMs: answer.budgetMs, routeEpoch: answer.routeEpoch };
    });

    app.get('/api/edges/wakes/:id', {
      schema: { tags: ['wake'], summary: 'An edge reads a wake\'s state: hot releases held requests, failed answers them 503', security: [], params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: WakeState, ...errorResponses } },
    }, async (request) => {
      await edgeOf(deps, request);
      const { id } = request.params as { id: string };
      if (!isId('operation', id)) throw new BerthError('invalid_id', `"${id}" is not a wake id (op_...).`);
      const wake = await findWake(deps.db, id);
      if (!wake) throw new BerthError('not_found', `No wake ${id}.`);
      return { wakeId: wake.id, environmentId: wake.subject.id, state: wake.state, failureMode: wake.failureMode, reason: wake.reason };
    });

    app.post('/api/edges/activity', {
      schema: { tags: ['wake'], summary: 'An edge reports, per environment, its last request and the sessions and requests it has open', security: [], body: ActivityBody, response: { 200: Type.Object({ recorded: Type.Integer() }), ...errorResponses } },
    }, async (request) => {
      const edgeId = await edgeOf(deps, request);
      const now = new Date(deps.clock.now());
      await markEdgeSeen(deps.db, edgeId, now);
      const { environments, drains = [] } = request.body as { environments: ActivityReport[]; drains?: DrainReport[] };
      const recorded = await recordEdgeActivity(deps.db, edgeId, environments, now);
      if (drains.length > 0) {
        const edge = await findEdge(deps.db, edgeId);
        await recordDrainReports(deps.db, { id: edgeId, name: edge?.name ?? edgeId }, drains, now);
      }
      return { recorded };
    });
  }

  app.get('/api/apps/:app/wake', {
    schema: {
      tags: ['wake'], summary: 'The "Stuck Wake" runbook: the current or latest wake, its allocation attempt, artifact pull, secrets and bindings (names only), readiness output, sleep state and a repair hint',
      params: Type.Object({ app: Type.String({ maxLength: 64 }) }),
      querystring: Type.Object({ env: Type.Optional(Type.String({ maxLength: 64, default: 'production' })) }, { additionalProperties: false }),
    },
  }, async (request) => {
    const target = await appFromPath(deps, request);
    const { env = 'production' } = request.query as { env?: string };
    if (!isName(env) && !isId('environment', env)) throw new BerthError('invalid_query', `"${env}" is not an environment name.`);
    const environment = await findEnvironment(deps.db, target.id, env);
    if (!environment) throw new BerthError('not_found', `No environment "${env}" in ${target.name}.`, { suggestion: `Run \`berth apps show ${target.name}\` to see its environments.` });
    return wakeStatus(deps.db, environment.id);
  });
}
