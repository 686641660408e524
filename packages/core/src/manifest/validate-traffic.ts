/**
 * The tables that shape how the edge treats requests: `[[routes]]`, `[[webhooks]]` and `[live]`.
 * Routes and webhooks come back with their index in the file, because an entry with a problem is
 * left out and cross-field checks still have to point at the right `[[routes]]` block.
 */
import { manifestDefaults as defaults } from './defaults.js';
import { HTTP_METHODS, type HttpMethod, type LiveSpec, type RouteSpec, type WebhookProvider, type WebhookSpec } from './manifest.js';
import { checkBindingName, checkHeaderName, checkSecretName, checkVersionTag } from './names.js';
import type { StringCheck, TableReader } from './table-reader.js';
import { listWords } from './toml-values.js';
import { checkPathPattern } from './url-path.js';

/** A spec together with its place among the `[[tables]]` of its kind. */
export interface Indexed<T> {
  readonly index: number;
  readonly spec: T;
}

const PROVIDERS: readonly WebhookProvider[] = ['stripe', 'github', 'generic-hmac'];

const checkMethod: StringCheck = (method) => {
  if ((HTTP_METHODS as readonly string[]).includes(method)) return undefined;
  const upper = method.toUpperCase();
  const hint = (HTTP_METHODS as readonly string[]).includes(upper) ? `; did you mean "${upper}"?` : '';
  return `must name HTTP methods (${listWords(HTTP_METHODS)}), got ${JSON.stringify(method)}${hint}`;
};

export function readRoutes(root: TableReader): Indexed<RouteSpec>[] {
  const routes: Indexed<RouteSpec>[] = [];
  root.tables('routes', ['path', 'methods', 'class', 'idempotency']).forEach((route, index) => {
    const path = route.string('path', checkPathPattern, 'give the path pattern, like path = "/api/*"');
    const methods = route.stringList('methods', checkMethod) as HttpMethod[] | undefined;
    if (methods?.length === 0) route.report('methods', 'must name at least one method; leave methods out to match every method');
    const cls = route.oneOf('class', ['safe', 'unsafe'], 'say whether requests here are class = "safe" or class = "unsafe"');
    const idempotency = route.oneOf('idempotency', ['required', 'optional']);
    if (cls === 'safe' && idempotency === 'required') {
      route.report('idempotency', 'only applies to unsafe routes; remove it, or set class = "unsafe"');
    }
    if (path === undefined || cls === undefined) return;
    const spec: RouteSpec = { path, ...(methods?.length ? { methods } : {}), class: cls, idempotency: idempotency ?? defaults.route.idempotency };
    routes.push({ index, spec });
  });
  return routes;
}

export function readWebhooks(root: TableReader): Indexed<WebhookSpec>[] {
  const webhooks: Indexed<WebhookSpec>[] = [];
  const known = ['path', 'provider', 'secret', 'tolerance', 'header', 'event_id_header'];
  root.tables('webhooks', known).forEach((hook, index) => {
    const path = hook.string('path', checkPathPattern, 'give the path the provider posts to, like path = "/webhooks/stripe"');
    const provider = hook.oneOf('provider', PROVIDERS, `name the signature scheme: ${listWords(PROVIDERS)}`);
    const secret = hook.string('secret', checkSecretName, 'name the secret holding the signing key, like secret = "STRIPE_WEBHOOK_SECRET"');
    const only = (key: string, which: WebhookProvider): void => {
      if (provider !== undefined && provider !== which && hook.has(key)) hook.report(key, `only applies to provider = "${which}"; remove it`);
    };
    only('tolerance', 'stripe');
    only('header', 'generic-hmac');
    only('event_id_header', 'generic-hmac');
    const tolerance = provider === 'stripe' ? hook.duration('tolerance') : undefined;
    const header = provider === 'generic-hmac' ? hook.string('header', checkHeaderName) : undefined;
    const eventIdHeader = provider === 'generic-hmac' ? hook.string('event_id_header', checkHeaderName) : undefined;
    if (path === undefined || provider === undefined || secret === undefined) return;
    const spec: WebhookSpec =
      provider === 'stripe' ? { path, provider, secret, toleranceMs: tolerance ?? defaults.webhook.stripeToleranceMs }
      : provider === 'github' ? { path, provider, secret }
      : { path, provider, secret, header: header ?? defaults.webhook.hmacHeader, ...(eventIdHeader === undefined ? {} : { eventIdHeader }) };
    webhooks.push({ index, spec });
  });
  return webhooks;
}

/** `[live]`; a resumable session needs both a state schema and a store to be hydrated from. */
export function readLive(root: TableReader): LiveSpec | undefined {
  const live = root.table('live', ['path', 'resumable', 'state_schema', 'store']);
  if (!live) return undefined;
  const path = live.string('path', checkPathPattern, 'give the WebSocket path, like path = "/live"') ?? '';
  const resumable = live.boolean('resumable') ?? defaults.live.resumable;
  const stateSchema = live.string('state_schema', checkVersionTag, resumable ? 'a resumable session needs the version of its state, like state_schema = "v1"' : undefined);
  const store = live.string('store', checkBindingName, resumable ? 'a resumable session needs the durable session store it is saved in, like store = "sessions"' : undefined);
  if (resumable) return { path, resumable, stateSchema: stateSchema ?? '', store: store ?? '' };
  return { path, resumable, ...(stateSchema === undefined ? {} : { stateSchema }), ...(store === undefined ? {} : { store }) };
}
