import { randomBytes } from 'node:crypto';
import { BerthError, newId } from '@berth/core';
import type { Queryable } from '../store/db.js';
import { hashToken } from '../tenancy/tokens.js';

/** Join tokens: what a new host presents once to register. Stored as a hash; shown once. */
export async function createJoinToken(db: Queryable, name: string, ttlMs: number, now: Date): Promise<{ id: string; secret: string; expiresAt: string }> {
  const secret = `berth_join_${randomBytes(32).toString('base64url')}`;
  const id = newId('token', now.getTime());
  const expiresAt = new Date(now.getTime() + ttlMs);
  await db.query('INSERT INTO join_tokens (id, name, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [id, name, hashToken(secret), now, expiresAt]);
  return { id, secret, expiresAt: expiresAt.toISOString() };
}

/** Refuses a wrong, revoked or expired join token with a message that says which. */
export async function checkJoinToken(db: Queryable, secret: string, now: Date): Promise<void> {
  const [row] = await db.query<{ expires_at: Date; revoked_at: Date | null }>('SELECT expires_at, revoked_at FROM join_tokens WHERE hash = $1', [hashToken(secret)]);
  if (!row) throw new BerthError('unauthenticated', 'The join token is not valid.', { suggestion: 'Create one with `berth runners join-token` (admin) and pass it with --join.' });
  if (row.revoked_at) throw new BerthError('unauthenticated', 'The join token was revoked.', { suggestion: 'Create a new one with `berth runners join-token`.' });
  if (row.expires_at.getTime() <= now.getTime()) throw new BerthError('unauthenticated', `The join token expired at ${row.expires_at.toISOString()}.`, { suggestion: 'Create a new one with `berth runners join-token`.' });
}
