import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { BerthError } from '@berth/core';

/**
 * Service tokens: a runner (or an edge) exchanges its join token for a short-lived signed token
 * naming what it is, and presents that on its connections and downloads. HMAC-SHA256 over the
 * payload, with a key derived from the control plane's master key per kind of service, so every
 * control plane sharing the key accepts it and a token of one kind is never accepted as another.
 */
export interface ServiceTokenKind {
  /** `berth_runner`, `berth_edge`: the token's first dot-separated part. */
  prefix: string;
  /** "runner", "edge": named in refusals. */
  noun: string;
  /** What a person (or the service) does to get a token again. */
  rejoin: string;
}

/** The signing key for one kind of service token: HKDF of the master key with `berth <noun> tokens v1`. */
export function serviceTokenKey(masterKey: Buffer, kind: Pick<ServiceTokenKind, 'noun'>): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `berth ${kind.noun} tokens v1`, 32));
}

export function signServiceToken(key: Buffer, kind: ServiceTokenKind, claims: { exp: number } & Record<string, unknown>): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', key).update(payload).digest('base64url');
  return `${kind.prefix}.${payload}.${signature}`;
}

/** The claims of a valid, unexpired token of this kind, with `subject` a string; a clear refusal otherwise. */
export function verifyServiceToken(key: Buffer, kind: ServiceTokenKind, token: string, now: number, subject: string): { exp: number } & Record<string, unknown> {
  const [prefix, payload, signature, extra] = token.split('.');
  if (prefix !== kind.prefix || !payload || !signature || extra !== undefined) throw new BerthError('unauthenticated', `This is not ${article(kind.noun)} ${kind.noun} token.`, { suggestion: kind.rejoin });
  const expected = createHmac('sha256', key).update(payload).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new BerthError('unauthenticated', `The ${kind.noun} token's signature is not valid.`, { suggestion: kind.rejoin });
  }
  let claims: { exp: number } & Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    throw new BerthError('unauthenticated', `The ${kind.noun} token is malformed.`, { suggestion: kind.rejoin });
  }
  if (typeof claims?.[subject] !== 'string' || typeof claims.exp !== 'number') throw new BerthError('unauthenticated', `The ${kind.noun} token is malformed.`, { suggestion: kind.rejoin });
  if (claims.exp <= now) throw new BerthError('unauthenticated', `The ${kind.noun} token expired at ${new Date(claims.exp).toISOString()}.`, { suggestion: kind.rejoin });
  return claims;
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? 'an' : 'a';
}

/** A runner's token names its host. */
export interface RunnerClaims {
  hostId: string;
  /** Expiry, in milliseconds since the epoch. */
  exp: number;
}

export const runnerTokenTtlMs = 15 * 60_000;

const runnerKind: ServiceTokenKind = { prefix: 'berth_runner', noun: 'runner', rejoin: 'The runner joins again with a join token from `berth runners join-token`: `berth runner --api URL --join TOKEN`.' };

export function runnerTokenKey(masterKey: Buffer): Buffer {
  return serviceTokenKey(masterKey, runnerKind);
}

export function signRunnerToken(key: Buffer, claims: RunnerClaims): string {
  return signServiceToken(key, runnerKind, { hostId: claims.hostId, exp: claims.exp });
}

export function verifyRunnerToken(key: Buffer, token: string, now: number): RunnerClaims {
  const claims = verifyServiceToken(key, runnerKind, token, now, 'hostId');
  return { hostId: claims.hostId as string, exp: claims.exp };
}
