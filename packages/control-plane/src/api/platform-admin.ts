import type { FastifyRequest } from 'fastify';
import { BerthError } from '@berth/core';
import type { ApiDeps } from './context.js';

/**
 * Hosts serve every organization, so only platform admins manage them: admin tokens of the first
 * organization (the one `berth up` creates at its first start).
 */
export async function requirePlatformAdmin(deps: ApiDeps, request: FastifyRequest): Promise<void> {
  const [first] = await deps.db.query<{ id: string }>('SELECT id FROM organizations ORDER BY created_at, id LIMIT 1');
  if (request.token.role !== 'admin' || request.token.orgId !== first?.id) {
    throw new BerthError('forbidden', 'Only a platform admin (an admin token of the first organization) manages hosts and runners.');
  }
}
