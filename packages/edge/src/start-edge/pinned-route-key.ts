import { BerthError, parseRoutePublicKey } from '@berth/core';
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';

/** The route public key an edge verifies the feed with, as text and as a key. */
export interface RouteKey {
  text: string;
  publicKey: KeyObject;
}

export function routeKeyFrom(text: string, source: string): RouteKey {
  try {
    return { text: text.trim(), publicKey: parseRoutePublicKey(text).publicKey };
  } catch (error) {
    throw new BerthError('invalid_config', `The route public key from ${source} is not valid: ${(error as Error).message}.`, {
      suggestion: 'Copy the key the control plane prints (ed25519:...), or leave it out to trust the key the control plane gives at first registration.',
    });
  }
}

/**
 * Trust on first use: an edge started without a route public key trusts the one the control plane
 * answers its first registration with and keeps it in `<data dir>/route-public-key`; from then
 * on that key is the one it holds the control plane to, across restarts.
 */
export class PinnedRouteKey {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'route-public-key');
  }

  async read(): Promise<RouteKey | undefined> {
    const text = await readFile(this.path, 'utf8').catch(() => undefined);
    return text === undefined ? undefined : routeKeyFrom(text, this.path);
  }

  async write(key: RouteKey): Promise<void> {
    await writeFileAtomic(this.path, `${key.text}\n`);
  }
}

/** The refusal to follow a control plane that signs with another key than the one trusted. */
export function keyMismatch(trusted: RouteKey, offered: string, source: string): BerthError {
  return new BerthError('route_key_mismatch', `The control plane answered with route key ${offered}, but this edge trusts ${trusted.text} (from ${source}); it will not follow that feed.`, {
    details: { trusted: trusted.text, offered },
  });
}
