import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError, isId } from '@berth/core';
import { isDigest } from '@berth/builder';
import type { ApiDeps } from './context.js';
import { decodeCursor, page } from './pagination.js';
import { Timestamp, errorResponses, Page } from './schemas.js';
import { requirePlatformAdmin } from './platform-admin.js';
import { checkJoinToken, createJoinToken } from '../runners/join-tokens.js';
import { findHost, listHosts, setCordoned, upsertHost, type HostRecord } from '../runners/hosts.js';
import { runnerTokenTtlMs, signRunnerToken, verifyRunnerToken } from '../runners/runner-token.js';

const Host = Type.Object(
  {
    id: Type.String(), name: Type.String(), region: Type.String(), labels: Type.Record(Type.String(), Type.String()),
    capacity: Type.Object({ cpus: Type.Number(), memoryBytes: Type.Number() }), runnerVersion: Type.String(),
    status: Type.Union([Type.Literal('ready'), Type.Literal('cordoned'), Type.Literal('offline')]), cordoned: Type.Boolean(), connected: Type.Optional(Type.Boolean()),
    lastHeartbeatAt: Type.Union([Timestamp, Type.Null()]), createdAt: Timestamp,
  },
  { $id: 'Host' },
);
const JoinBody = Type.Object(
  {
    joinToken: Type.String({ maxLength: 200 }), name: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,62}$', description: 'The host\'s name: lowercase letters, digits, dots and hyphens.' }),
    region: Type.Optional(Type.String({ maxLength: 40 })), labels: Type.Optional(Type.Record(Type.String({ maxLength: 60 }), Type.String({ maxLength: 200 }))),
    capacity: Type.Object({ cpus: Type.Number({ minimum: 0.1 }), memoryBytes: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }), runnerVersion: Type.String({ maxLength: 40 }),
  },
  { additionalProperties: false },
);

function runnerFrom(deps: ApiDeps, request: FastifyRequest): string {
  const token = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
  return verifyRunnerToken(deps.runnerTokenKey!, token, deps.clock.now()).hostId;
}

const present = (deps: ApiDeps, host: HostRecord) => ({ ...host, connected: deps.hub?.connected(host.id) ?? false });

/**
 * Runners join with a join token and get a short-lived runner token; they fetch artifacts by digest
 * with it. Operators list, cordon and uncordon hosts and create join tokens (platform admins: the
 * admin tokens of the first organization).
 */
export async function runnerRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.addSchema(Host);

  app.post('/api/runners/join', {
    schema: { tags: ['runners'], summary: 'A runner joins: a join token for a short-lived runner token', security: [], body: JoinBody, response: { 200: Type.Object({ hostId: Type.String(), token: Type.String(), expiresAt: Timestamp }), ...errorResponses } },
  }, async (request) => {
    const body = request.body as { joinToken: string; name: string; region?: string; labels?: Record<string, string>; capacity: { cpus: number; memoryBytes: number }; runnerVersion: string };
    const now = new Date(deps.clock.now());
    await checkJoinToken(deps.db, body.joinToken, now);
    const host = await upsertHost(deps.db, { name: body.name, region: body.region ?? 'default', labels: body.labels ?? {}, cpus: body.capacity.cpus, memoryBytes: body.capacity.memoryBytes, runnerVersion: body.runnerVersion, now });
    const exp = now.getTime() + runnerTokenTtlMs;
    return { hostId: host.id, token: signRunnerToken(deps.runnerTokenKey!, { hostId: host.id, exp }), expiresAt: new Date(exp).toISOString() };
  });

  app.post('/api/runners/refresh', {
    schema: { tags: ['runners'], summary: 'A runner swaps its runner token for a fresh one before it expires', security: [], response: { 200: Type.Object({ hostId: Type.String(), token: Type.String(), expiresAt: Timestamp }), ...errorResponses } },
  }, async (request) => {
    const hostId = runnerFrom(deps, request);
    const exp = deps.clock.now() + runnerTokenTtlMs;
    return { hostId, token: signRunnerToken(deps.runnerTokenKey!, { hostId, exp }), expiresAt: new Date(exp).toISOString() };
  });

  app.get('/api/runners/artifacts/:digest', {
    schema: { tags: ['runners'], summary: 'A runner downloads an artifact by digest (verified before it is sent)', security: [], params: Type.Object({ digest: Type.String({ maxLength: 80 }) }) },
  }, async (request, reply) => {
    runnerFrom(deps, request);
    const { digest } = request.params as { digest: string };
    if (!isDigest(digest)) throw new BerthError('invalid_id', `"${digest}" is not a digest (sha256:<64 hex>).`);
    const opened = await deps.artifacts!.open(digest as never);
    return reply.header('content-type', 'application/x-tar').header('x-berth-digest', digest).send(opened.stream);
  });

  app.post('/api/runners/join-tokens', {
    schema: { tags: ['runners'], summary: 'Create a join token for new hosts (platform admin); shown once', body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 100 })), ttlMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 * 24 * 30 })) }, { additionalProperties: false }), response: { 201: Type.Object({ id: Type.String(), secret: Type.String(), expiresAt: Timestamp }), ...errorResponses } },
  }, async (request, reply) => {
    await requirePlatformAdmin(deps, request);
    const body = (request.body ?? {}) as { name?: string; ttlMinutes?: number };
    return reply.status(201).send(await createJoinToken(deps.db, body.name ?? 'join token', (body.ttlMinutes ?? 60) * 60_000, new Date(deps.clock.now())));
  });

  app.get('/api/hosts', {
    schema: { tags: ['hosts'], summary: 'List hosts (platform admin)', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })), cursor: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false }), response: { 200: Page(Type.Ref(Host)), ...errorResponses } },
  }, async (request) => {
    await requirePlatformAdmin(deps, request);
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    const result = await page(limit, (n) => listHosts(deps.db, decodeCursor(cursor), n), (h) => h.name);
    return { items: result.items.map((h) => present(deps, h)), nextCursor: result.nextCursor };
  });

  const hostFromPath = async (request: FastifyRequest) => {
    await requirePlatformAdmin(deps, request);
    const { host } = request.params as { host: string };
    if (!isId('host', host) && !/^[a-z0-9][a-z0-9.-]{0,62}$/.test(host)) throw new BerthError('invalid_id', `"${host}" is neither a host name nor a host id (host_...).`);
    const found = await findHost(deps.db, host);
    if (!found) throw new BerthError('not_found', `No host "${host}".`, { suggestion: 'Run `berth hosts list`.' });
    return found;
  };
  const HostParams = Type.Object({ host: Type.String({ maxLength: 64 }) });

  app.get('/api/hosts/:host', { schema: { tags: ['hosts'], summary: 'Show a host', params: HostParams, response: { 200: Type.Ref(Host), ...errorResponses } } }, async (request) => present(deps, await hostFromPath(request)));
  for (const [verb, cordoned] of [['cordon', true], ['uncordon', false]] as const) {
    app.post(`/api/hosts/:host/${verb}`, {
      schema: { tags: ['hosts'], summary: cordoned ? 'Cordon a host: nothing new is placed on it' : 'Uncordon a host', params: HostParams, response: { 200: Type.Ref(Host), ...errorResponses } },
    }, async (request) => {
      const host = await hostFromPath(request);
      const updated = await setCordoned(deps.db, host.id, cordoned, new Date(deps.clock.now()));
      deps.onSchedulingChange?.();
      return present(deps, updated!);
    });
  }
}
