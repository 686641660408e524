import { hkdfSync } from 'node:crypto';
import { routeSigningKeyFromSeed, type RouteSigningKey } from '@berth/core';

/**
 * The route feed's Ed25519 key, derived from the master key (HKDF-SHA256, info "berth route feed
 * v1"): every control-plane replica sharing the master key signs alike, and an edge verifies any of
 * them with one public key. Nothing about the key is stored.
 */
export function routeSigningKey(masterKey: Buffer): RouteSigningKey {
  return routeSigningKeyFromSeed(Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'berth route feed v1', 32)));
}
