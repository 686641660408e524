import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { BerthError } from '@berth/core';

/**
 * A runner exchanges its join token for a short-lived signed token naming its host, and presents
 * that on its WebSocket and artifact downloads. HMAC-SHA256 over the payload, with a key derived
 * from the control plane's master key, so every control plane sharing the key accepts it.
 */
export interface RunnerClaims {
  hostId: string;
  /** Expiry, in milliseconds since the epoch. */
  exp: number;
}

export const runnerTokenTtlMs = 15 * 60_000;

export function runnerTokenKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'berth runner tokens v1', 32));
}

export function signRunnerToken(key: Buffer, claims: RunnerClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', key).update(payload).digest('base64url');
  return `berth_runner.${payload}.${signature}`;
}

/** The claims of a valid, unexpired token; a clear refusal otherwise. */
export function verifyRunnerToken(key: Buffer, token: string, now: number): RunnerClaims {
  const [prefix, payload, signature] = token.split('.');
  if (prefix !== 'berth_runner' || !payload || !signature) throw new BerthError('unauthenticated', 'This is not a runner token.', { suggestion: 'Join with `berth runner --api URL --join TOKEN`.' });
  const expected = createHmac('sha256', key).update(payload).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new BerthError('unauthenticated', 'The runner token\'s signature is not valid.', { suggestion: 'Join again with a join token from `berth runners join-token`.' });
  }
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as RunnerClaims;
  if (typeof claims.hostId !== 'string' || typeof claims.exp !== 'number') throw new BerthError('unauthenticated', 'The runner token is malformed.');
  if (claims.exp <= now) throw new BerthError('unauthenticated', `The runner token expired at ${new Date(claims.exp).toISOString()}.`, { suggestion: 'The runner joins again with its join token.' });
  return claims;
}
