import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { BerthError, isId } from '@berth/core';
import { requireAdmin } from './auth.js';
import type { ApiDeps } from './context.js';
import { decodeCursor, page } from './pagination.js';
import { Name, Page, PageQuery, Timestamp, errorResponses } from './schemas.js';
import { createOrganization, findOrganization } from '../tenancy/organizations.js';
import { createToken, listTokens, revokeToken } from '../tenancy/tokens.js';

const Organization = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Timestamp }, { $id: 'Organization' });
const Token = Type.Object(
  { id: Type.String(), name: Type.String(), role: Type.Union([Type.Literal('admin'), Type.Literal('member')]), prefix: Type.String({ description: 'The first characters of the secret, to recognise it.' }), createdAt: Timestamp, lastUsedAt: Type.Union([Timestamp, Type.Null()]) },
  { $id: 'Token' },
);
const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);
const TokenIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const publicToken = ({ orgId: _orgId, ...token }: { orgId: string } & Record<string, unknown>) => token;

/** Who am I, organizations (create needs an admin token), and API tokens of the caller's organization. */
export async function tenancyRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.addSchema(Organization);
  app.addSchema(Token);

  app.get('/api/whoami', {
    schema: { tags: ['tenancy'], summary: 'The organization and token this request runs as', response: { 200: Type.Object({ organization: Type.Ref(Organization), token: Type.Ref(Token) }), ...errorResponses } },
  }, async (request) => {
    const org = await findOrganization(deps.db, request.token.orgId);
    return { organization: org, token: publicToken(request.token as never) };
  });

  app.post('/api/orgs', {
    schema: {
      tags: ['tenancy'],
      summary: 'Create an organization with its first admin token (admin only); the token is shown once',
      body: Type.Object({ name: Name }, { additionalProperties: false }),
      response: { 201: Type.Object({ organization: Type.Ref(Organization), token: Type.Ref(Token), secret: Type.String() }), ...errorResponses },
    },
  }, async (request, reply) => {
    requireAdmin(request);
    const { name } = request.body as { name: string };
    const now = new Date(deps.clock.now());
    const created = await deps.db.transaction(async (tx) => {
      const org = await createOrganization(tx, name, now);
      if (!org) throw new BerthError('name_taken', `An organization named "${name}" already exists.`);
      const { token, secret } = await createToken(tx, org.id, `admin of ${name}`, 'admin', now);
      return { organization: org, token: publicToken(token as never), secret };
    });
    return reply.status(201).send(created);
  });

  app.get('/api/tokens', {
    schema: { tags: ['tenancy'], summary: 'List the API tokens of this organization (never their secrets)', querystring: PageQuery, response: { 200: Page(Type.Ref(Token)), ...errorResponses } },
  }, async (request) => {
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    const result = await page(limit, (n) => listTokens(deps.db, request.token.orgId, decodeCursor(cursor), n), (t) => t.id);
    return { items: result.items.map((t) => publicToken(t as never)), nextCursor: result.nextCursor };
  });

  app.post('/api/tokens', {
    schema: {
      tags: ['tenancy'],
      summary: 'Create an API token in this organization (admin only); the secret is shown once',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), role: Type.Optional(Role) }, { additionalProperties: false }),
      response: { 201: Type.Object({ token: Type.Ref(Token), secret: Type.String() }), ...errorResponses },
    },
  }, async (request, reply) => {
    requireAdmin(request);
    const body = request.body as { name: string; role?: 'admin' | 'member' };
    const { token, secret } = await createToken(deps.db, request.token.orgId, body.name, body.role ?? 'member', new Date(deps.clock.now()));
    return reply.status(201).send({ token: publicToken(token as never), secret });
  });

  app.delete('/api/tokens/:id', {
    schema: { tags: ['tenancy'], summary: 'Revoke an API token (admin only)', params: TokenIdParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    requireAdmin(request);
    const { id } = request.params as { id: string };
    if (!isId('token', id)) throw new BerthError('invalid_id', `"${id}" is not a token id (tok_...).`);
    if (!(await revokeToken(deps.db, request.token.orgId, id, new Date(deps.clock.now())))) throw new BerthError('not_found', `No token ${id} in this organization.`);
    return reply.status(204).send();
  });
}
