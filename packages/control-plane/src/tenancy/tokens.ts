import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '@berth/core';
import type { Queryable } from '../store/db.js';

/**
 * API tokens: `berth_` and 43 characters of randomness. Only a SHA-256 hash is stored; the secret
 * is returned once, when the token is made, and never again.
 */
export type TokenRole = 'admin' | 'member';

export interface TokenRecord {
  id: string;
  orgId: string;
  name: string;
  role: TokenRole;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface TokenRow {
  id: string;
  org_id: string;
  name: string;
  role: TokenRole;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
}

const toToken = (row: TokenRow): TokenRecord => ({
  id: row.id,
  orgId: row.org_id,
  name: row.name,
  role: row.role,
  prefix: row.prefix,
  createdAt: row.created_at.toISOString(),
  lastUsedAt: row.last_used_at ? row.last_used_at.toISOString() : null,
});

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export async function createToken(db: Queryable, orgId: string, name: string, role: TokenRole, now: Date): Promise<{ token: TokenRecord; secret: string }> {
  const secret = `berth_${randomBytes(32).toString('base64url')}`;
  const [row] = await db.query<TokenRow>(
    'INSERT INTO api_tokens (id, org_id, name, role, hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *',
    [newId('token', now.getTime()), orgId, name, role, hashToken(secret), secret.slice(0, 12), now],
  );
  return { token: toToken(row!), secret };
}

/** The live token whose secret this is, or undefined. Compared by hash, in constant time. */
export async function authenticate(db: Queryable, secret: string, now: Date): Promise<TokenRecord | undefined> {
  if (!/^berth_[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  const hash = hashToken(secret);
  const [row] = await db.query<TokenRow & { hash: string }>('SELECT * FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL', [hash]);
  if (!row || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash))) return undefined;
  // Record use at most once a minute, so authentication does not write on every request.
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) {
    await db.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [row.id, now]);
  }
  return toToken(row);
}

export async function listTokens(db: Queryable, orgId: string, after: string | undefined, limit: number): Promise<TokenRecord[]> {
  const rows = await db.query<TokenRow>('SELECT * FROM api_tokens WHERE org_id = $1 AND revoked_at IS NULL AND id > $2 ORDER BY id LIMIT $3', [orgId, after ?? '', limit]);
  return rows.map(toToken);
}

export async function revokeToken(db: Queryable, orgId: string, id: string, now: Date): Promise<boolean> {
  const rows = await db.query('UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id', [orgId, id, now]);
  return rows.length === 1;
}
