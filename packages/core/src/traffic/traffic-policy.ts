/**
 * The part of a deployment's manifest the edge needs to classify requests, as plain JSON data so
 * that it can travel in the route feed beside the route owner and be signed with it. It carries
 * secret NAMES (the edge looks their values up), never values. trafficMatcher() compiles it.
 */
import type { LiveSpec, Manifest, RouteSpec, WebhookSpec } from '../manifest/manifest.js';

export const trafficPolicyFormat = 'berth.traffic-policy/1';

export interface TrafficPolicy {
  readonly format: typeof trafficPolicyFormat;
  /**
   * `[assets] prefix`, decoded (the asset manifest's paths are decoded too): GET and HEAD requests
   * under it are asset candidates. Null when the app has no `[assets]`.
   */
  readonly assetsPrefix: string | null;
  /** `[[routes]]` in file order: the first rule that matches decides. */
  readonly routes: readonly RouteSpec[];
  /** `[[webhooks]]` in file order. */
  readonly webhooks: readonly WebhookSpec[];
  /** `[live]`, or null. */
  readonly live: LiveSpec | null;
}

/** The traffic policy of a parsed manifest: a frozen copy, safe to share between requests and edges. */
export function compileTrafficPolicy(manifest: Pick<Manifest, 'assets' | 'routes' | 'webhooks' | 'live'>): TrafficPolicy {
  return deepFreeze({
    format: trafficPolicyFormat,
    assetsPrefix: manifest.assets ? decodePrefix(manifest.assets.prefix) : null,
    routes: manifest.routes.map((route) => ({ ...route, ...(route.methods ? { methods: [...route.methods] } : {}) })),
    webhooks: manifest.webhooks.map((hook) => ({ ...hook })),
    live: manifest.live ? { ...manifest.live } : null,
  });
}

function decodePrefix(prefix: string): string {
  try {
    return decodeURIComponent(prefix);
  } catch {
    return prefix;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
