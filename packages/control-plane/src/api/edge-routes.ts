import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError, isId, type PropagationIncident } from '@berth/core';
import { isDigest } from '@berth/builder';
import type { ApiDeps } from './context.js';
import { decodeCursor, page } from './pagination.js';
import { Timestamp, errorResponses, Page } from './schemas.js';
import { requirePlatformAdmin } from './platform-admin.js';
import { checkJoinToken } from '../runners/join-tokens.js';
import { AssetCache } from '../edges/asset-cache.js';
import { applyEdgeReport } from '../edges/edge-report.js';
import { edgeTokenTtlMs, signEdgeToken, verifyEdgeToken } from '../edges/edge-token.js';
import { findEdge, listEdges, markEdgeSeen, registerEdge, type EdgeRecord } from '../edges/edges-store.js';
import { incidentsOfEdge } from '../edges/propagation-incidents.js';
import { streamRouteEvents } from '../edges/route-event-stream.js';
import { lastRouteSeq } from '../route-feed/route-event-log.js';

const edgeName = '^[a-z0-9][a-z0-9.-]{0,62}$';
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Edge = Type.Object(
  {
    id: Type.String(), name: Type.String(), region: Type.String(), transport: Type.Union([Type.Literal('embedded'), Type.Literal('jetstream')]),
    status: Type.Union([Type.Literal('live'), Type.Literal('offline')]), appliedSeq: Type.Integer(), lastSeq: Type.Integer({ description: 'The last sequence of the store\'s route event log.' }),
    degradedReason: Type.Union([Type.Null(), Type.String()]), version: Type.String(), lastSeenAt: Timestamp, createdAt: Timestamp,
  },
  { $id: 'Edge' },
);
const Incident = Type.Object({
  kind: Type.Union(['gap', 'bad_signature', 'bad_checksum', 'bad_document', 'transport'].map((k) => Type.Literal(k))),
  expectedSeq: Type.Optional(Seq), gotSeq: Type.Optional(Seq), detail: Type.String({ maxLength: 100_000 }),
  affectedHostnames: Type.Optional(Type.Array(Type.String({ maxLength: 253 }), { maxItems: 100_000 })), at: Type.String({ format: 'date-time' }),
}, { additionalProperties: false });
const TokenAnswer = Type.Object({ edgeId: Type.String(), token: Type.String(), expiresAt: Timestamp });
const DigestParams = Type.Object({ digest: Type.String({ maxLength: 80 }) });

function edgeFrom(deps: ApiDeps, request: FastifyRequest): string {
  const token = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
  return verifyEdgeToken(deps.edgeTokenKey!, token, deps.clock.now()).edgeId;
}

function digestFrom(request: FastifyRequest): string {
  const { digest } = request.params as { digest: string };
  if (!isDigest(digest)) throw new BerthError('invalid_id', `"${digest}" is not a digest (sha256:<64 hex>).`);
  return digest;
}

/**
 * Edges register with a join token (the runners' join tokens) for a short-lived edge token, read
 * the route feed (a signed snapshot, then signed events over Server-Sent Events), report the
 * sequence they applied and the incidents they found, and fetch asset manifests and asset files by
 * artifact digest. Operators list edges and their incidents (platform admins).
 */
export async function edgeRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const feed = deps.routeFeed!;
  const assets = deps.artifacts && deps.dataDir ? new AssetCache({ db: deps.db, artifacts: deps.artifacts, dir: join(deps.dataDir, 'asset-cache') }) : undefined;
  const now = () => new Date(deps.clock.now());
  const issue = (edgeId: string) => {
    const exp = deps.clock.now() + edgeTokenTtlMs;
    return { edgeId, token: signEdgeToken(deps.edgeTokenKey!, { edgeId, exp }), expiresAt: new Date(exp).toISOString() };
  };
  app.addSchema(Edge);

  app.post('/api/edges/register', {
    schema: {
      tags: ['edges'], summary: 'An edge registers: a join token for a short-lived edge token and the route public key', security: [],
      body: Type.Object({
        joinToken: Type.String({ maxLength: 200 }), name: Type.String({ pattern: edgeName, description: 'The edge\'s name: lowercase letters, digits, dots and hyphens.' }),
        region: Type.Optional(Type.String({ maxLength: 40 })), transport: Type.Union([Type.Literal('embedded'), Type.Literal('jetstream')]), version: Type.String({ maxLength: 40 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ edgeId: Type.String(), token: Type.String(), expiresAt: Timestamp, routePublicKey: Type.String() }), ...errorResponses },
    },
  }, async (request) => {
    const body = request.body as { joinToken: string; name: string; region?: string; transport: 'embedded' | 'jetstream'; version: string };
    await checkJoinToken(deps.db, body.joinToken, now());
    const edge = await registerEdge(deps.db, { name: body.name, region: body.region ?? 'default', transport: body.transport, version: body.version, now: now() });
    deps.log?.(`edge ${edge.name} (${edge.id}) registered: ${edge.transport} transport, version ${edge.version}, region ${edge.region}`);
    return { ...issue(edge.id), routePublicKey: feed.publicKeyText };
  });

  app.post('/api/edges/refresh', {
    schema: { tags: ['edges'], summary: 'An edge swaps its edge token for a fresh one before it expires', security: [], response: { 200: TokenAnswer, ...errorResponses } },
  }, async (request) => {
    const edgeId = edgeFrom(deps, request);
    if (!(await findEdge(deps.db, edgeId))) throw new BerthError('unauthenticated', 'This edge is no longer registered.', { suggestion: 'Register again with a join token.' });
    await markEdgeSeen(deps.db, edgeId, now());
    return issue(edgeId);
  });

  app.get('/api/edges/route-snapshot', {
    schema: { tags: ['edges'], summary: 'A signed snapshot of every route owner and target (a SignedDocument of a RouteSnapshotBody)', security: [], response: { 200: Type.Object({ body: Type.String(), signature: Type.String(), keyId: Type.String() }), ...errorResponses } },
  }, async (request) => {
    edgeFrom(deps, request);
    return feed.snapshot();
  });

  app.get('/api/edges/route-events', {
    schema: {
      tags: ['edges'], summary: 'Signed route events after a sequence, then live, as Server-Sent Events (`id: <seq>`, `data: <SignedDocument>`)', security: [],
      querystring: Type.Object({ after: Seq }, { additionalProperties: false }), produces: ['text/event-stream'],
    },
  }, async (request, reply) => {
    edgeFrom(deps, request);
    const { after } = request.query as { after: number };
    await streamRouteEvents(feed, request, reply, after, deps.closing);
  });

  app.post('/api/edges/report', {
    schema: {
      tags: ['edges'], summary: 'An edge reports the route sequence it applied and the propagation incidents it found', security: [],
      body: Type.Object({ appliedSeq: Seq, degradedReason: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 100_000 })])), incidents: Type.Optional(Type.Array(Incident, { maxItems: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ appliedSeq: Type.Integer(), lastSeq: Type.Integer(), status: Type.String(), incidentsRecorded: Type.Integer(), incidentsResolved: Type.Integer() }), ...errorResponses },
    },
  }, async (request) => {
    const edgeId = edgeFrom(deps, request);
    const body = request.body as { appliedSeq: number; degradedReason?: string | null; incidents?: PropagationIncident[] };
    const result = await applyEdgeReport(deps.db, edgeId, body, now());
    if (!result) throw new BerthError('unauthenticated', 'This edge is no longer registered.', { suggestion: 'Register again with a join token.' });
    for (const incident of body.incidents ?? []) deps.log?.(`edge ${result.edge.name}: propagation incident (${incident.kind}): ${incident.detail}`);
    return { appliedSeq: result.edge.appliedSeq, lastSeq: feed.lastSeq, status: result.edge.status, incidentsRecorded: result.recorded, incidentsResolved: result.resolved };
  });

  app.get('/api/edges/artifacts/:digest/asset-manifest', {
    schema: { tags: ['edges'], summary: 'The asset manifest of an artifact, as stored on the deployment built as it', security: [], params: DigestParams },
  }, async (request) => {
    edgeFrom(deps, request);
    const digest = digestFrom(request);
    const manifest = await assets?.manifest(digest);
    if (!manifest) throw new BerthError('artifact_not_found', `No deployment was built as ${digest}.`, { details: { digest } });
    return manifest;
  });

  app.get('/api/edges/artifacts/:digest/assets/*', {
    schema: { tags: ['edges'], summary: 'One asset file of an artifact, by its URL path in the asset manifest (without its leading slash), verified against the manifest', security: [], params: Type.Object({ digest: Type.String({ maxLength: 80 }), '*': Type.String({ maxLength: 4096 }) }) },
  }, async (request, reply) => {
    edgeFrom(deps, request);
    const digest = digestFrom(request);
    const urlPath = `/${(request.params as { '*': string })['*']}`;
    const found = await assets?.file(digest, urlPath);
    if (!found) throw new BerthError('not_found', `The asset manifest of ${digest} has no file at ${urlPath}.`, { details: { digest, path: urlPath } });
    const { entry, path } = found;
    return reply.header('content-type', entry.contentType).header('content-length', entry.size).header('etag', `"${entry.digest.slice('sha256:'.length)}"`)
      .header('x-berth-digest', entry.digest).header('cache-control', 'private, max-age=31536000, immutable').send(createReadStream(path));
  });

  const present = async (edge: EdgeRecord, lastSeq?: number) => ({ ...edge, lastSeq: lastSeq ?? (await lastRouteSeq(deps.db)) });

  app.get('/api/edges', {
    schema: { tags: ['edges'], summary: 'List edges with the route sequence each applied (platform admin)', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })), cursor: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false }), response: { 200: Page(Type.Ref(Edge)), ...errorResponses } },
  }, async (request) => {
    await requirePlatformAdmin(deps, request);
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    const result = await page(limit, (n) => listEdges(deps.db, decodeCursor(cursor), n), (e) => e.name);
    const lastSeq = await lastRouteSeq(deps.db);
    return { items: await Promise.all(result.items.map((e) => present(e, lastSeq))), nextCursor: result.nextCursor };
  });

  app.get('/api/edges/:edge', {
    schema: { tags: ['edges'], summary: 'Show an edge with its 20 latest propagation incidents (platform admin)', params: Type.Object({ edge: Type.String({ maxLength: 64 }) }) },
  }, async (request) => {
    await requirePlatformAdmin(deps, request);
    const { edge } = request.params as { edge: string };
    if (!isId('edge', edge) && !new RegExp(edgeName).test(edge)) throw new BerthError('invalid_id', `"${edge}" is neither an edge name nor an edge id (edge_...).`);
    const found = await findEdge(deps.db, edge);
    if (!found) throw new BerthError('not_found', `No edge "${edge}".`, { suggestion: 'Run `berth edges list`.' });
    return { ...(await present(found)), incidents: await incidentsOfEdge(deps.db, found.id, 20) };
  });

  app.get('/api/route-feed', {
    schema: { tags: ['edges'], summary: 'Where the route event log ends and the public key edges verify it with (platform admin)', response: { 200: Type.Object({ lastSeq: Type.Integer(), publicKey: Type.String() }), ...errorResponses } },
  }, async (request) => {
    await requirePlatformAdmin(deps, request);
    return { lastSeq: await lastRouteSeq(deps.db), publicKey: feed.publicKeyText };
  });
}
