/**
 * The `berth.toml` manifest as Berth uses it once parsed: every default applied, durations in
 * milliseconds, sizes in bytes, folders normalized (`./dist/` → `dist`). parseManifest() is the
 * only way to make one; each field's comment names the TOML key it comes from, what it accepts and
 * its default, and the README is written from these comments.
 */

/** An HTTP method a route can name. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface Manifest {
  /**
   * `name`: the app's name, a DNS label (1–40 of a-z, 0-9 and "-", starting with a letter, not
   * ending with "-", no "--"). Optional: the app's name in Berth is used when absent.
   */
  readonly name?: string;
  /** `[build]`: how the source becomes an artifact. Always present, defaults applied. */
  readonly build: BuildSpec;
  /** `[run]`: how the app's process starts. Absent only for an assets-only app. */
  readonly run?: RunSpec;
  /** `[assets]`: immutable files the edge serves itself, without waking the app. */
  readonly assets?: AssetsSpec;
  /** `[scale]`: how many allocations run, and when the app sleeps. Always present. */
  readonly scale: ScaleSpec;
  /** `[[routes]]`: request-class policy for paths, in file order. Empty when none are declared. */
  readonly routes: readonly RouteSpec[];
  /** `[[webhooks]]`: provider endpoints with a signature policy, in file order. */
  readonly webhooks: readonly WebhookSpec[];
  /** `[live]`: the app's WebSocket endpoint, pinned to the allocation that accepted it. */
  readonly live?: LiveSpec;
  /** `[secrets]`: the secrets the app needs bound before it deploys. Always present. */
  readonly secrets: SecretsSpec;
  /** `[database]`: the app's schema migrations. Absent when the app has no database. */
  readonly database?: DatabaseSpec;
  /** `[validate]`: extra checks the deploy pipeline runs in its validating state. Always present. */
  readonly validate: ValidateSpec;
}

export interface BuildSpec {
  /** `command`: the shell command that builds the app, e.g. "npm ci && npm run build". Absent: no build step. */
  readonly command?: string;
  /** `timeout`: how long the build may run before it fails. Duration; default "15m". */
  readonly timeoutMs: number;
  /** `output_limit`: how much build output is kept for the log. Size or integer bytes; default "4MiB". */
  readonly outputLimitBytes: number;
}

export interface RunSpec {
  /** `command`: the shell command that starts the app, e.g. "node server.js". Required in `[run]`. */
  readonly command: string;
  /**
   * `port`: the port the app listens on, 1–65535; Berth sets PORT to it. Absent (the default):
   * Berth chooses a free port and sets PORT, and the app must listen on $PORT.
   */
  readonly port?: number;
  /** `health`: the readiness path; the app is ready when it answers 2xx here. Starts with "/"; default "/". */
  readonly health: string;
  /** `image`: the base image for the docker driver, e.g. "node:20-slim". Absent: the driver's default. */
  readonly image?: string;
  /** `memory`: the memory limit of each allocation. Size; default "512MiB". */
  readonly memoryBytes: number;
  /** `drain_timeout`: how long a draining allocation may finish its requests and sessions. Duration; default "30s". */
  readonly drainTimeoutMs: number;
}

export interface AssetsSpec {
  /** `dir`: the folder of built assets, relative to the project (no "..", not absolute). Required in `[assets]`. */
  readonly dir: string;
  /** `prefix`: the URL prefix the assets are served under; starts and ends with "/". Default "/assets/". */
  readonly prefix: string;
  /** `immutable`: serve assets with a long-lived immutable cache policy. Default true. */
  readonly immutable: boolean;
}

export interface ScaleSpec {
  /** `min`: allocations kept running even without traffic; 0 lets the app sleep. Integer >= 0; default 1. */
  readonly min: number;
  /** `max`: the most allocations Berth runs. Integer >= max(min, 1); default max(min, 1). */
  readonly max: number;
  /** `sleep_after`: idle time before an app with min = 0 sleeps (ignored otherwise). Duration; default "15m". */
  readonly sleepAfterMs: number;
  /**
   * `wake_budget`: how long the edge holds a safe request while the app wakes before answering 503
   * with Retry-After. Duration, at most "120s"; default "10s".
   */
  readonly wakeBudgetMs: number;
  /** `region`: place allocations only on hosts of this region (a runner's `--region`). Absent: any region. */
  readonly region?: string;
  /** `labels`: place allocations only on hosts with every one of these labels, written `["disk=ssd"]`. Default none. */
  readonly labels: Readonly<Record<string, string>>;
}

/** How the edge treats requests to a route; see DESIGN.md "Requests at the edge". */
export type RouteClass = 'safe' | 'unsafe';
/** Whether an unsafe request must carry an Idempotency-Key to be held through a wake. */
export type IdempotencyPolicy = 'required' | 'optional';

export interface RouteSpec {
  /**
   * `path`: the path pattern, starting with "/"; `:name` matches one segment and a trailing `*`
   * matches the rest of the path, e.g. "/api/*" or "/users/:id". Required.
   */
  readonly path: string;
  /** `methods`: the HTTP methods the rule applies to, e.g. ["GET", "POST"]. Absent: every method. */
  readonly methods?: readonly HttpMethod[];
  /** `class`: "safe" (may be held through a wake and retried) or "unsafe" (never replayed silently). Required. */
  readonly class: RouteClass;
  /**
   * `idempotency`: for unsafe routes, "required" refuses to hold a request without an
   * Idempotency-Key; "optional" holds it only when one is given. Default "optional"; "required"
   * on a safe route is an error.
   */
  readonly idempotency: IdempotencyPolicy;
}

/** The signature schemes a webhook can be verified with. */
export type WebhookProvider = 'stripe' | 'github' | 'generic-hmac';

interface WebhookBase {
  /** `path`: the path the provider posts to, starting with "/". Required; not also a route path. */
  readonly path: string;
  /** `secret`: the NAME of the secret holding the signing key (env-var style, e.g. "STRIPE_WEBHOOK_SECRET"). Required. */
  readonly secret: string;
}

/** `provider = "stripe"`: verified with the Stripe-Signature header. */
export interface StripeWebhookSpec extends WebhookBase {
  readonly provider: 'stripe';
  /** `tolerance`: how old a signed timestamp may be. Duration; default "5m". Stripe only. */
  readonly toleranceMs: number;
}

/** `provider = "github"`: verified with the X-Hub-Signature-256 header. */
export interface GithubWebhookSpec extends WebhookBase {
  readonly provider: 'github';
}

/** `provider = "generic-hmac"`: an HMAC-SHA256 of the body in a header the app names. */
export interface GenericHmacWebhookSpec extends WebhookBase {
  readonly provider: 'generic-hmac';
  /** `header`: the header carrying the signature. Default "X-Signature". generic-hmac only. */
  readonly header: string;
  /** `event_id_header`: the header carrying the provider's event id, used to process each event once. Optional; generic-hmac only. */
  readonly eventIdHeader?: string;
}

/** `[[webhooks]]`: one provider endpoint; `provider` ("stripe", "github" or "generic-hmac") is required. */
export type WebhookSpec = StripeWebhookSpec | GithubWebhookSpec | GenericHmacWebhookSpec;

interface LiveBase {
  /** `path`: the WebSocket path, starting with "/"; not under the assets prefix. Required. */
  readonly path: string;
}

/** `resumable = false` (the default): a session lost with its allocation starts fresh elsewhere. */
export interface PinnedLiveSpec extends LiveBase {
  readonly resumable: false;
  /** `state_schema`: optional when not resumable; recorded for a later switch to resumable. */
  readonly stateSchema?: string;
  /** `store`: optional when not resumable. */
  readonly store?: string;
}

/** `resumable = true`: a session may be hydrated on another allocation from a durable store. */
export interface ResumableLiveSpec extends LiveBase {
  readonly resumable: true;
  /** `state_schema`: the version tag of the session state, e.g. "v3"; hydration needs a compatible one. Required. */
  readonly stateSchema: string;
  /** `store`: the name of the durable session-store binding sessions are saved in. Required. */
  readonly store: string;
}

/** `[live]`: `resumable` (default false) says whether sessions can move between allocations. */
export type LiveSpec = PinnedLiveSpec | ResumableLiveSpec;

export interface SecretsSpec {
  /**
   * `required`: names of secrets (env-var style, no duplicates) that must be bound before the app
   * deploys. Default []. See requiredSecretNames() for the full list, webhook secrets included.
   */
  readonly required: readonly string[];
}

export interface DatabaseSpec {
  /** `migrations`: the folder of .sql migration files, relative to the project. Required in `[database]`. */
  readonly migrations: string;
}

export interface ValidateSpec {
  /**
   * `generated`: a command that regenerates checked-in files (code generators, lockfiles); the
   * deploy fails with "stale artifacts" when it changes the tree. Absent: no such check.
   */
  readonly generated?: string;
  /** `reproducible`: build twice and fail with "build digest mismatch" when the digests differ. Default false. */
  readonly reproducible: boolean;
}
