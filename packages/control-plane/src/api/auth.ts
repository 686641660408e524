import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BerthError, type Clock } from '@berth/core';
import type { Db } from '../store/db.js';
import { authenticate, type TokenRecord } from '../tenancy/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The token that authenticated this request; set on every route that is not public. */
    token: TokenRecord;
  }
}

/** Routes without an API token: health, the API description, and the runner and edge endpoints (runner and edge tokens). */
const publicRoutes = new Set(['/api/health', '/api/openapi.json', '/api/runners/join', '/api/runners/refresh', '/api/runners/artifacts/:digest',
  '/api/edges/register', '/api/edges/refresh', '/api/edges/route-snapshot', '/api/edges/route-events', '/api/edges/report',
  '/api/edges/artifacts/:digest/asset-manifest', '/api/edges/artifacts/:digest/assets/*',
  // Sleep and wake (wake-routes.ts): edge tokens.
  '/api/edges/wakes', '/api/edges/wakes/:id', '/api/edges/activity',
  // Webhook secrets for edges (edge-secret-routes.ts): edge tokens.
  '/api/edges/environments/:environmentId/webhook-secrets']);

/**
 * Every other route needs `Authorization: Bearer <token>`. The token scopes the request to its
 * organization: every query below filters by `request.token.orgId`, so another organization's
 * resources are simply not found.
 */
export function installAuth(app: FastifyInstance, db: Db, clock: Clock): void {
  app.decorateRequest('token', null as unknown as TokenRecord);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const route = request.routeOptions.url;
    if (route === undefined || publicRoutes.has(route)) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new BerthError('unauthenticated', 'This endpoint needs an API token: send Authorization: Bearer <token>.');
    const token = await authenticate(db, match[1]!, new Date(clock.now()));
    if (!token) throw new BerthError('unauthenticated', 'The API token is not valid, or was revoked.');
    request.token = token;
  });
}

export function requireAdmin(request: FastifyRequest): void {
  if (request.token.role !== 'admin') throw new BerthError('forbidden', 'Only a token with the admin role may do that.');
}
