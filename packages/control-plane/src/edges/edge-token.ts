import { serviceTokenKey, signServiceToken, verifyServiceToken, type ServiceTokenKind } from '../runners/runner-token.js';

/** An edge's token (`berth_edge.<payload>.<signature>`) names the edge it was issued to. */
export interface EdgeClaims {
  edgeId: string;
  /** Expiry, in milliseconds since the epoch. */
  exp: number;
}

export const edgeTokenTtlMs = 15 * 60_000;

const edgeKind: ServiceTokenKind = { prefix: 'berth_edge', noun: 'edge', rejoin: 'The edge registers again with a join token from `berth runners join-token`: `berth edge --api URL --join TOKEN`.' };

export function edgeTokenKey(masterKey: Buffer): Buffer {
  return serviceTokenKey(masterKey, edgeKind);
}

export function signEdgeToken(key: Buffer, claims: EdgeClaims): string {
  return signServiceToken(key, edgeKind, { edgeId: claims.edgeId, exp: claims.exp });
}

export function verifyEdgeToken(key: Buffer, token: string, now: number): EdgeClaims {
  const claims = verifyServiceToken(key, edgeKind, token, now, 'edgeId');
  return { edgeId: claims.edgeId as string, exp: claims.exp };
}
