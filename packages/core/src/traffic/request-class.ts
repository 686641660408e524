/**
 * What the edge decided a request is, before it looks at the app's state. DESIGN.md "Requests at
 * the edge" says what each class does when the app is hot and when it sleeps.
 */
import type { LiveSpec, RouteSpec, WebhookSpec } from '../manifest/manifest.js';
import type { PathProblem } from './request-path.js';

export type RequestClass = 'safe' | 'unsafe' | 'webhook' | 'asset' | 'live';

/** A request classified by its method and the `[[routes]]` rules: the app serves it. */
export type RouteClassification =
  /** May be held through a wake and proxied. `route` is the rule that said so, absent for GET/HEAD/OPTIONS by default. */
  | { readonly class: 'safe'; readonly route?: RouteSpec }
  /**
   * Never replayed silently. `route` is the matched rule (its `idempotency` says whether a key is
   * required); absent for POST/PUT/PATCH/DELETE and other methods by default. `pathProblem` is
   * set when the path could not be read exactly, which makes any request unsafe.
   */
  | { readonly class: 'unsafe'; readonly route?: RouteSpec; readonly pathProblem?: PathProblem };

export type RequestClassification =
  | RouteClassification
  /** A POST to a `[[webhooks]]` path: verify `webhook`'s signature before anything else. */
  | { readonly class: 'webhook'; readonly webhook: WebhookSpec; readonly pathProblem?: PathProblem }
  /**
   * A GET or HEAD under the assets prefix: served by the edge if the deployment's asset manifest
   * lists `assetPath` (decoded, the manifest's form); otherwise the request is `otherwise`.
   */
  | { readonly class: 'asset'; readonly assetPath: string; readonly otherwise: RouteClassification }
  /**
   * A WebSocket upgrade: tunnelled and pinned to the allocation that accepts it. `live` is the
   * `[live]` spec when the upgrade is for its path (session resume rules apply); absent for an
   * upgrade elsewhere, which is pinned but always starts fresh.
   */
  | { readonly class: 'live'; readonly live?: LiveSpec; readonly pathProblem?: PathProblem };
