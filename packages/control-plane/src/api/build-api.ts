import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import { installAuth } from './auth.js';
import type { ApiDeps } from './context.js';
import { installErrorHandler } from './error-handler.js';
import { installIdempotency } from './idempotency.js';
import { ErrorBody } from './schemas.js';
import { tenancyRoutes } from './tenancy-routes.js';
import { appRoutes } from './app-routes.js';
import { operationRoutes } from './operation-routes.js';
import { deploymentRoutes } from './deployment-routes.js';
import { secretRoutes } from './secret-routes.js';
import { runnerRoutes } from './runner-routes.js';
import { edgeRoutes } from './edge-routes.js';
import { allocationRoutes } from './allocation-routes.js';
import { promotionRoutes } from './promotion-routes.js';
import { environmentRoutes } from './environment-routes.js';
import { wakeRoutes } from './wake-routes.js';
import { edgeSecretRoutes } from './edge-secret-routes.js';

export const defaultBodyLimit = 1024 * 1024;

/**
 * Builds the HTTP API without listening: `main` listens, tests call `app.inject()`. Errors become
 * HTTP in one place (error-handler.ts); bodies are validated against each route's schema, with
 * unknown fields refused rather than dropped.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const log = deps.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const app = Fastify({
    logger: false,
    // Secret names may be up to 128 characters and appear in paths.
    routerOptions: { maxParamLength: 256 },
    bodyLimit: deps.bodyLimit ?? defaultBodyLimit,
    requestIdHeader: false,
    genReqId: () => `req_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true, verbose: true } },
    // Slow or stalled clients are cut off rather than holding a socket for Node's defaults.
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
  });
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    return payload;
  });
  installErrorHandler(app, log);
  // Long-lived streams end when the server closes, so close() does not wait on them.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Berth API', version: deps.version ?? '0.1.0', description: 'The control plane of Berth, a self-hosted application platform. Errors are `{"error":{"code","message","suggestion"}}` with the codes of docs/errors.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token: `berth_...`.' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  app.addSchema(ErrorBody);
  installAuth(app, deps.db, deps.clock);
  installIdempotency(app, deps.db, deps.clock);

  app.get('/api/health', { schema: { tags: ['meta'], summary: 'Is the control plane up and its store reachable', security: [], response: { 200: Type.Object({ ok: Type.Boolean(), store: Type.String(), version: Type.String() }) } } }, async () => {
    await deps.db.query('SELECT 1');
    return { ok: true, store: deps.db.dialect, version: deps.version ?? '0.1.0' };
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await tenancyRoutes(app, deps);
  await appRoutes(app, deps);
  const streaming = { ...deps, closing: closing.signal };
  await operationRoutes(app, streaming);
  await secretRoutes(app, deps);
  if (deps.dataDir) await deploymentRoutes(app, streaming);
  if (deps.runnerTokenKey) await runnerRoutes(app, deps);
  if (deps.routeFeed && deps.edgeTokenKey) await edgeRoutes(app, streaming);
  await allocationRoutes(app, deps);
  await promotionRoutes(app, deps);
  await environmentRoutes(app, deps);
  await wakeRoutes(app, deps);
  await edgeSecretRoutes(app, deps);
  await app.ready();
  return app;
}
