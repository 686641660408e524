import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError, isId, isName } from '@berth/core';
import type { ApiDeps } from './context.js';
import { decodeCursor, page } from './pagination.js';
import { Name, Page, PageQuery, Timestamp, errorResponses } from './schemas.js';
import { createApp, deleteApp, findApp, findEnvironment, listApps, listEnvironments, type AppRecord, type EnvironmentRecord } from '../apps/apps.js';
import { presentEnvironment } from '../environments/environment-view.js';
import { removeAppRouteOwners } from '../routes/route-owners.js';

const Environment = Type.Object(
  {
    id: Type.String(), name: Type.String(), kind: Type.Union([Type.Literal('production'), Type.Literal('preview')]), createdAt: Timestamp,
    deploymentId: Type.Union([Type.String(), Type.Null()], { description: 'The deployment it runs.' }),
    desiredCount: Type.Integer({ description: 'How many allocations it wants.' }),
    runStatus: Type.Union([Type.Literal('running'), Type.Literal('crashloop')]),
    runStatusReason: Type.Union([Type.String(), Type.Null()], { description: 'Why placement is waiting, or why it is in crashloop.' }),
    frozen: Type.Boolean({ description: 'A frozen environment refuses promotions (a rollback still goes through).' }),
    frozenReason: Type.Union([Type.String(), Type.Null()]), frozenBy: Type.Union([Type.String(), Type.Null()]), frozenAt: Type.Union([Timestamp, Type.Null()]),
    requireApproval: Type.Boolean({ description: 'Each promotion waits for an admin\'s approval.' }),
    gapPolicy: Type.Union([Type.Literal('fail_closed'), Type.Literal('keep_last_owner')], { description: 'What edges do for its routes after a gap in the route feed, until a fresh snapshot.' }),
    productionHost: Type.Union([Type.String(), Type.Null()], { description: 'The hostname production answers on; null for a preview.' }),
  },
  { $id: 'Environment' },
);
const App = Type.Object(
  { id: Type.String(), name: Type.String(), createdAt: Timestamp, environments: Type.Optional(Type.Array(Type.Ref(Environment))) },
  { $id: 'App' },
);
const AppParams = Type.Object({ app: Type.String({ maxLength: 64, description: 'The app\'s name or id.' }) });
const EnvParams = Type.Object({ app: Type.String({ maxLength: 64 }), env: Type.String({ maxLength: 64, description: 'The environment\'s name or id.' }) });

const publicApp = ({ orgId: _orgId, ...app }: AppRecord) => app;

/** The app named in the path, of the caller's organization; 400 for a malformed name, 404 otherwise. */
export async function appFromPath(deps: ApiDeps, request: FastifyRequest): Promise<AppRecord> {
  const { app: ref } = request.params as { app: string };
  if (!isId('app', ref) && !isName(ref)) throw new BerthError('invalid_id', `"${ref}" is neither an app name nor an app id (app_...).`);
  const app = await findApp(deps.db, request.token.orgId, ref);
  if (!app) throw new BerthError('not_found', `No app "${ref}" in this organization.`, { suggestion: 'Run `berth apps list` to see your apps.' });
  return app;
}

export async function appRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const publicEnv = (appName: string) => (env: EnvironmentRecord) => presentEnvironment(env, appName, deps.baseDomain ?? 'localhost');
  app.addSchema(Environment);
  app.addSchema(App);

  app.get('/api/apps', {
    schema: { tags: ['apps'], summary: 'List apps, by name', querystring: PageQuery, response: { 200: Page(Type.Ref(App)), ...errorResponses } },
  }, async (request) => {
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    const result = await page(limit, (n) => listApps(deps.db, request.token.orgId, decodeCursor(cursor), n), (a) => a.name);
    return { items: result.items.map(publicApp), nextCursor: result.nextCursor };
  });

  app.post('/api/apps', {
    schema: {
      tags: ['apps'],
      summary: 'Create an app and its production environment',
      description: 'App names are global: they are the first label of the app\'s hostnames. Send Idempotency-Key to make retries safe.',
      body: Type.Object({ name: Name }, { additionalProperties: false }),
      response: { 201: Type.Ref(App), 409: { $ref: 'Error#' }, ...errorResponses },
    },
  }, async (request, reply) => {
    const { name } = request.body as { name: string };
    if (!isName(name)) throw new BerthError('invalid_body', `"name" must not contain "--" (it separates preview hostnames): got "${name}".`);
    const created = await deps.db.transaction((tx) => createApp(tx, request.token.orgId, name, new Date(deps.clock.now())));
    if (!created) throw new BerthError('name_taken', `An app named "${name}" already exists.`, { suggestion: 'App names are global across organizations; choose another name.' });
    return reply.status(201).send({ ...publicApp(created.app), environments: created.environments.map(publicEnv(created.app.name)) });
  });

  app.get('/api/apps/:app', {
    schema: { tags: ['apps'], summary: 'Show an app with its environments', params: AppParams, response: { 200: Type.Ref(App), ...errorResponses } },
  }, async (request) => {
    const found = await appFromPath(deps, request);
    const environments = await listEnvironments(deps.db, found.id, undefined, 200);
    return { ...publicApp(found), environments: environments.map(publicEnv(found.name)) };
  });

  app.delete('/api/apps/:app', {
    schema: { tags: ['apps'], summary: 'Delete an app and its environments', params: AppParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    const found = await appFromPath(deps, request);
    // Its hostnames leave the route feed in the same transaction: edges answer 404 for them.
    const deleted = await deps.db.transaction(async (tx) => {
      await removeAppRouteOwners(tx, found.id, new Date(deps.clock.now()));
      return deleteApp(tx, request.token.orgId, found.id);
    });
    if (!deleted) throw new BerthError('not_found', `No app "${found.name}" in this organization.`);
    deps.routeFeed?.poke();
    return reply.status(204).send();
  });

  app.get('/api/apps/:app/environments', {
    schema: { tags: ['apps'], summary: 'List an app\'s environments', params: AppParams, querystring: PageQuery, response: { 200: Page(Type.Ref(Environment)), ...errorResponses } },
  }, async (request) => {
    const found = await appFromPath(deps, request);
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    const result = await page(limit, (n) => listEnvironments(deps.db, found.id, decodeCursor(cursor), n), (e) => e.name);
    return { items: result.items.map(publicEnv(found.name)), nextCursor: result.nextCursor };
  });

  app.get('/api/apps/:app/environments/:env', {
    schema: { tags: ['apps'], summary: 'Show one environment', params: EnvParams, response: { 200: Type.Ref(Environment), ...errorResponses } },
  }, async (request) => {
    const found = await appFromPath(deps, request);
    const { env } = request.params as { env: string };
    if (!isId('environment', env) && !isName(env)) throw new BerthError('invalid_id', `"${env}" is neither an environment name nor an id (env_...).`);
    const environment = await findEnvironment(deps.db, found.id, env);
    if (!environment) throw new BerthError('not_found', `App "${found.name}" has no environment "${env}".`);
    return publicEnv(found.name)(environment);
  });
}
