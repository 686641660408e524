import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { BerthError, isId } from '@berth/core';
import type { ApiDeps } from './context.js';
import { appFromPath } from './app-routes.js';
import { decodeCursor, page } from './pagination.js';
import { Page, Timestamp, errorResponses } from './schemas.js';
import { receiveSourceUpload } from './source-upload.js';
import { findEnvironment } from '../apps/apps.js';
import { createDeployment } from '../deployments/create-deployment.js';
import { findDeployment, listDeployments } from '../deployments/deployments-store.js';
import type { DeploymentRecord } from '../deployments/deployment-record.js';
import { readBuildLog } from '../deployments/build-log.js';
import { findOperation } from '../engine/operations-store.js';
import { deploymentActionRoutes } from './deployment-action-routes.js';

export const defaultUploadLimit = 256 * 1024 * 1024;

const Deployment = Type.Object(
  {
    id: Type.String(), app: Type.String(), environment: Type.String(), operationId: Type.String(), state: Type.String(), role: Type.String(),
    failureMode: Type.Union([Type.String(), Type.Null()]), reason: Type.Union([Type.String(), Type.Null()]),
    source: Type.Object({ kind: Type.String(), url: Type.Union([Type.String(), Type.Null()]), ref: Type.Union([Type.String(), Type.Null()]), digest: Type.Union([Type.String(), Type.Null()]) }),
    commit: Type.Union([Type.String(), Type.Null()]), digest: Type.Union([Type.String(), Type.Null()]), shortId: Type.String(),
    previewHost: Type.Union([Type.String(), Type.Null()]), previewUrl: Type.Union([Type.String(), Type.Null()]),
    gates: Type.Record(Type.String(), Type.Unknown()), createdAt: Timestamp, updatedAt: Timestamp,
  },
  { $id: 'Deployment' },
);
const GitSource = Type.Object(
  { git: Type.Object({ url: Type.String({ minLength: 1, maxLength: 2048 }), ref: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }), environment: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** A deployment as the API shows it: its record joined with its operation's state and gates. */
export async function presentDeployment(deps: ApiDeps, d: DeploymentRecord) {
  const op = await findOperation(deps.db, d.operationId);
  const [names] = await deps.db.query<{ app: string; env: string }>('SELECT a.name AS app, e.name AS env FROM apps a JOIN environments e ON e.app_id = a.id WHERE e.id = $1', [d.targetEnvironmentId]);
  return {
    id: d.id, app: names?.app ?? d.appId, environment: names?.env ?? d.targetEnvironmentId, operationId: d.operationId,
    state: op?.state ?? 'unknown', role: op?.role ?? 'terminal', failureMode: op?.failureMode ?? null, reason: op?.reason ?? null,
    source: { kind: d.source.kind, url: d.source.url, ref: d.source.ref, digest: d.source.digest }, commit: d.commit, digest: d.digest, shortId: d.shortId,
    previewHost: d.previewHost, previewUrl: d.previewHost ? (deps.urlFor?.(d.previewHost) ?? `http://${d.previewHost}/`) : null,
    gates: op?.gates ?? {}, createdAt: d.createdAt, updatedAt: d.updatedAt,
  };
}

export async function deploymentFromPath(deps: ApiDeps, request: FastifyRequest): Promise<DeploymentRecord> {
  const { id } = request.params as { id: string };
  if (!isId('deployment', id)) throw new BerthError('invalid_id', `"${id}" is not a deployment id (dep_...).`);
  const d = await findDeployment(deps.db, id, request.token.orgId);
  if (!d) throw new BerthError('not_found', `No deployment ${id} in this organization.`, { suggestion: 'Run `berth deployments list --app <app>` to see deployments.' });
  return d;
}

export async function deploymentRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.addSchema(Deployment);
  // Source uploads arrive as a raw tar stream; the route streams it to disk itself.
  app.addContentTypeParser(['application/x-tar', 'application/octet-stream'], (_request, payload, done) => done(null, payload));

  app.post('/api/apps/:app/deployments', {
    schema: {
      tags: ['deployments'],
      summary: 'Deploy: upload the source as a tar archive (Content-Type: application/x-tar), or name a git repository and ref (JSON)',
      description: 'Starts a deploy operation and answers at once; follow it with GET /api/deployments/{id}/stream. `?environment=` names the target environment (default production). Send Idempotency-Key to make a retry attach to the same deploy.',
      params: Type.Object({ app: Type.String({ maxLength: 64 }) }),
      querystring: Type.Object({ environment: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
      body: Type.Union([GitSource, Type.Any({ description: 'the source tarball' })]),
      response: { 201: Type.Ref(Deployment), 200: Type.Ref(Deployment), 413: { $ref: 'Error#' }, ...errorResponses },
    },
  }, async (request, reply) => {
    const target = await appFromPath(deps, request);
    const upload = request.body instanceof Readable ? request.body : undefined;
    const body = upload ? undefined : (request.body as { git?: { url: string; ref: string }; environment?: string } | undefined);
    if (!upload && !body?.git) throw new BerthError('invalid_body', 'Send the source as a tar archive (Content-Type: application/x-tar) or JSON {"git":{"url","ref"}}.');
    const envName = (request.query as { environment?: string }).environment ?? body?.environment ?? 'production';
    const environment = await findEnvironment(deps.db, target.id, envName);
    if (!environment) throw new BerthError('not_found', `App "${target.name}" has no environment "${envName}".`);
    if (body?.git && (body.git.url.startsWith('-') || body.git.ref.startsWith('-'))) throw new BerthError('invalid_body', 'A git URL or ref must not start with "-".');
    const key = request.headers['idempotency-key'];
    const source = upload
      ? { kind: 'upload' as const, ...(await receiveSourceUpload(upload, deps.dataDir!, deps.uploadLimit ?? defaultUploadLimit, request.headers['content-length'] ? Number(request.headers['content-length']) : undefined)) }
      : { kind: 'git' as const, url: body!.git!.url, ref: body!.git!.ref };
    const result = await createDeployment(
      { db: deps.db, engine: deps.engine, dataDir: deps.dataDir!, now: () => new Date(deps.clock.now()) },
      { orgId: request.token.orgId, appId: target.id, appName: target.name, environmentId: environment.id, source, ...(typeof key === 'string' ? { idempotencyKey: key } : {}), actor: `token:${request.token.id}` },
    );
    return reply.status(result.created ? 201 : 200).send(await presentDeployment(deps, result.deployment));
  });

  app.get('/api/apps/:app/deployments', {
    schema: { tags: ['deployments'], summary: 'List an app\'s deployments, newest first', params: Type.Object({ app: Type.String({ maxLength: 64 }) }), querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })), cursor: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false }), response: { 200: Page(Type.Ref(Deployment)), ...errorResponses } },
  }, async (request) => {
    const target = await appFromPath(deps, request);
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    const result = await page(limit, (n) => listDeployments(deps.db, target.id, decodeCursor(cursor), n), (d) => d.id);
    return { items: await Promise.all(result.items.map((d) => presentDeployment(deps, d))), nextCursor: result.nextCursor };
  });

  app.get('/api/deployments/:id', {
    schema: { tags: ['deployments'], summary: 'Show a deployment: state, digest, source, commit, gates, preview', params: IdParams, response: { 200: Type.Ref(Deployment), ...errorResponses } },
  }, async (request) => presentDeployment(deps, await deploymentFromPath(deps, request)));

  app.get('/api/deployments/:id/logs', {
    schema: { tags: ['deployments'], summary: 'The build output kept with a deployment', params: IdParams, querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }) },
  }, async (request) => {
    const d = await deploymentFromPath(deps, request);
    const chunks = await readBuildLog(deps.db, d.id, (request.query as { after?: number }).after ?? 0, 10_000);
    return { items: chunks, nextCursor: null };
  });

  await deploymentActionRoutes(app, deps);
}
