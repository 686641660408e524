/**
 * The control plane as the traffic code needs it: the environment's one wake (create or join,
 * then follow), the activity the sleep controller decides by, and the secrets webhook signatures
 * and session resumes are checked with. ControlPlaneLink implements it over HTTP with the edge
 * token; tests may hand in another implementation.
 */

/** The request classes that may ask for a wake; an asset never does. */
export type WakeRequestClass = 'safe' | 'unsafe' | 'webhook' | 'live';

/** What the edge says about the request that asked: never a body or a header value. */
export interface WakeTrigger {
  method: string;
  /** The path without its query, at most 2,048 characters. */
  path: string;
  /** Whether an unsafe request carried an Idempotency-Key (never its value). */
  idempotencyKey?: boolean;
  /** A webhook whose signature verified, with the provider's event id as evidence. */
  webhook?: { provider: string; eventId: string | null };
}

export interface WakeRequestBody {
  environmentId: string;
  requestClass: WakeRequestClass;
  trigger: WakeTrigger;
}

/** The answer to a wake request: the environment's one wake, which this request created or joined. */
export interface WakeTicket {
  wakeId: string;
  state: string;
  attached: boolean;
  budgetMs: number;
  routeEpoch: number | null;
}

/** A wake as the edge follows it: `failed` answers the held requests at once. */
export interface WakeProgress {
  wakeId: string;
  state: string;
  failureMode: string | null;
  reason: string | null;
}

/** One environment's activity on this edge, for the sleep controller. */
export interface EnvironmentActivityReport {
  environmentId: string;
  lastRequestAt: string | null;
  openSessions: number;
  inFlight: number;
}

/** Live sessions an allocation still had when its drain deadline came, and the edge closed. */
export interface DrainReport {
  environmentId: string;
  allocationId: string;
  sessionsClosedAtDeadline: number;
}

export interface ActivityReportBody {
  environments: EnvironmentActivityReport[];
  /** Present only when a drain deadline closed sessions since the last report. */
  drains?: DrainReport[];
}

/** What the edge may know of an environment's secrets: the webhook signing secrets, and whether the live session store is bound. */
export interface EnvironmentSecrets {
  /** Secret name → value, only for the names the deployment's `[[webhooks]]` declare. Never logged. */
  secrets: Readonly<Record<string, string>>;
  /** Whether the binding `[live] store` names is set for the environment (a hydrated session needs it). */
  liveStoreBound: boolean;
}

export interface EdgeControlPlane {
  requestWake(body: WakeRequestBody): Promise<WakeTicket>;
  wakeProgress(wakeId: string): Promise<WakeProgress>;
  reportActivity(body: ActivityReportBody): Promise<void>;
  environmentSecrets(environmentId: string): Promise<EnvironmentSecrets>;
}
