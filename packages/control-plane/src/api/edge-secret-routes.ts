import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError, isId } from '@berth/core';
import type { ApiDeps } from './context.js';
import { errorResponses } from './schemas.js';
import { verifyEdgeToken } from '../edges/edge-token.js';
import { findEdge } from '../edges/edges-store.js';
import { bindingSecretName } from '../operations/wake/runtime-inputs.js';
import { checkSecretName, resolveSecrets } from '../secrets/index.js';
import type { Queryable } from '../store/db.js';

/** The edge endpoints of this file; edges present their edge token, not an API token (see auth.ts). */
export const edgeSecretRoutePaths = ['/api/edges/environments/:environmentId/webhook-secrets'] as const;

const Params = Type.Object({ environmentId: Type.String({ maxLength: 64 }) });
const Answer = Type.Object({
  secrets: Type.Record(Type.String(), Type.String(), { description: 'Name → value of each secret a `[[webhooks]]` entry of the environment\'s deployment names, when it is set.' }),
  liveStoreBound: Type.Boolean({ description: 'Whether the binding `[live] store` names is set for the environment (a live session may then be hydrated on another allocation).' }),
});

/** What the edge needs from the manifests of the deployments serving an environment. */
interface ServedManifest {
  webhooks?: { secret?: unknown }[];
  live?: { store?: unknown } | null;
}

/** The registered edge presenting the request's edge token. */
async function edgeOf(deps: ApiDeps, request: FastifyRequest): Promise<string> {
  const token = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
  const { edgeId } = verifyEdgeToken(deps.edgeTokenKey!, token, deps.clock.now());
  if (!(await findEdge(deps.db, edgeId))) throw new BerthError('unauthenticated', 'This edge is no longer registered.', { suggestion: 'Register again with a join token.' });
  return edgeId;
}

/**
 * The manifests of the deployments the environment's route owners name now, and the environment
 * a preview falls back to for the secrets it does not set itself (its deploy's target), as its
 * allocations do.
 */
async function servedManifests(db: Queryable, environmentId: string): Promise<{ manifests: ServedManifest[]; fallback: string | null } | undefined> {
  const [environment] = await db.query<{ id: string }>('SELECT id FROM environments WHERE id = $1', [environmentId]);
  if (!environment) return undefined;
  const rows = await db.query<{ manifest: ServedManifest | null; target_environment_id: string }>(
    'SELECT d.manifest, d.target_environment_id FROM deployments d WHERE d.id IN (SELECT deployment_id FROM route_owners WHERE environment_id = $1)',
    [environmentId],
  );
  const fallback = rows.map((row) => row.target_environment_id).find((id) => id !== environmentId) ?? null;
  return { manifests: rows.map((row) => row.manifest ?? {}), fallback };
}

/** Which of `names` are set for the environment or, failing that, for its fallback. */
async function setNames(db: Queryable, environmentIds: string[], names: string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await db.query<{ name: string }>('SELECT name FROM secrets WHERE environment_id = ANY($1::text[]) AND name = ANY($2::text[])', [environmentIds, names]);
  return new Set(rows.map((row) => row.name));
}

/**
 * What an edge needs to check webhook signatures and session resumes for one environment: the
 * values of the secrets its serving deployment's `[[webhooks]]` name (and no other secret), and
 * whether the `[live] store` binding is set (its value never leaves the control plane). Edge
 * tokens only; answered `no-store`, and never logged.
 */
export async function edgeSecretRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  if (!deps.edgeTokenKey) return;
  app.get(edgeSecretRoutePaths[0], {
    schema: {
      tags: ['edges'], summary: 'An edge reads the webhook signing secrets of an environment, and whether its live session store is bound', security: [],
      params: Params, response: { 200: Answer, ...errorResponses },
    },
  }, async (request, reply) => {
    await edgeOf(deps, request);
    const { environmentId } = request.params as { environmentId: string };
    if (!isId('environment', environmentId)) throw new BerthError('invalid_id', `"${environmentId}" is not an environment id (env_...).`);
    const served = await servedManifests(deps.db, environmentId);
    if (served === undefined) throw new BerthError('not_found', `No environment ${environmentId}.`, { suggestion: 'The app or preview may have been deleted; refresh the edge\'s route snapshot.' });
    const names = new Set<string>();
    const stores = new Set<string>();
    for (const manifest of served.manifests) {
      for (const hook of manifest.webhooks ?? []) if (typeof hook.secret === 'string' && checkSecretName(hook.secret) === undefined) names.add(hook.secret);
      if (typeof manifest.live?.store === 'string' && manifest.live.store !== '') stores.add(bindingSecretName(manifest.live.store));
    }
    let secrets: Record<string, string> = {};
    if (names.size > 0) {
      if (!deps.secrets) throw new BerthError('secrets_not_configured', 'Secrets are not configured on this control plane, so webhook signatures cannot be checked.');
      const own = await resolveSecrets(deps.db, deps.secrets, environmentId, [...names]);
      const inherited = served.fallback !== null && own.missing.length > 0 ? (await resolveSecrets(deps.db, deps.secrets, served.fallback, own.missing)).values : {};
      secrets = { ...inherited, ...own.values };
    }
    // Only whether the store binding (`BERTH_BINDING_<NAME>`) is set: its value is not the edge's to hold.
    const bound = await setNames(deps.db, [environmentId, ...(served.fallback !== null ? [served.fallback] : [])], [...stores]);
    void reply.header('cache-control', 'no-store');
    return { secrets, liveStoreBound: stores.size > 0 && bound.size === stores.size };
  });
}
