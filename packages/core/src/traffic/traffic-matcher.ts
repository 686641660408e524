/**
 * A TrafficPolicy compiled for the per-request path: patterns split into segments, method lists
 * turned into sets, and the classification each rule yields built once, so that classifying a
 * request allocates nothing for the common case. Build one per deployment when its route arrives.
 */
import type { LiveSpec, RouteSpec, WebhookSpec } from '../manifest/manifest.js';
import { compilePathPattern, type PathPattern } from './path-pattern.js';
import type { RequestClassification, RouteClassification } from './request-class.js';
import type { TrafficPolicy } from './traffic-policy.js';

export interface CompiledRoute {
  readonly spec: RouteSpec;
  readonly pattern: PathPattern;
  /** Null: every method. */
  readonly methods: ReadonlySet<string> | null;
  readonly classification: RouteClassification;
}

export interface CompiledWebhook {
  readonly spec: WebhookSpec;
  readonly pattern: PathPattern;
  readonly classification: RequestClassification & { class: 'webhook' };
}

export interface CompiledLive {
  readonly spec: LiveSpec;
  readonly pattern: PathPattern;
  readonly classification: RequestClassification & { class: 'live' };
}

/** Build with trafficMatcher(); read by classifyRequest(). Immutable. */
export interface TrafficMatcher {
  readonly policy: TrafficPolicy;
  readonly assetsPrefix: string | null;
  readonly routes: readonly CompiledRoute[];
  readonly webhooks: readonly CompiledWebhook[];
  readonly live: CompiledLive | null;
}

export function trafficMatcher(policy: TrafficPolicy): TrafficMatcher {
  const routes = policy.routes.map((spec): CompiledRoute => ({
    spec,
    pattern: compilePathPattern(spec.path),
    methods: spec.methods ? new Set<string>(spec.methods) : null,
    classification: Object.freeze({ class: spec.class, route: spec }),
  }));
  const webhooks = policy.webhooks.map((spec): CompiledWebhook => ({
    spec,
    pattern: compilePathPattern(spec.path),
    classification: Object.freeze({ class: 'webhook', webhook: spec }),
  }));
  const live = policy.live
    ? { spec: policy.live, pattern: compilePathPattern(policy.live.path), classification: Object.freeze({ class: 'live', live: policy.live } as const) }
    : null;
  return Object.freeze({
    policy,
    assetsPrefix: policy.assetsPrefix,
    routes,
    webhooks,
    live,
  });
}
