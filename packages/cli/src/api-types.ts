/**
 * The shapes the CLI reads from the API, as GET /api/openapi.json describes them. Only what the
 * CLI prints is declared; --json prints whatever the API sent, unchanged.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Organization {
  id: string;
  name: string;
  createdAt: string;
}

export interface Token {
  id: string;
  name: string;
  role: 'admin' | 'member';
  /** The first characters of the secret, to recognise it; never the secret. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface Whoami {
  organization: Organization;
  token: Token;
}

export interface Environment {
  id: string;
  name: string;
  kind: 'production' | 'preview';
  createdAt: string;
  deploymentId?: string | null;
  desiredCount?: number;
  runStatus?: 'running' | 'crashloop';
  runStatusReason?: string | null;
}

export interface App {
  id: string;
  name: string;
  createdAt: string;
  environments?: Environment[];
}

export type StateRole = 'active' | 'resting' | 'terminal';

export interface GateRecord {
  status: 'pass' | 'fail' | 'pending';
  evidence: Record<string, unknown>;
  at: string;
}

export interface OperationEvent {
  seq: number;
  at: string;
  type: string;
  from: string | null;
  to: string | null;
  sentence: string;
  evidence: Record<string, unknown>;
  actor: string;
}

export interface Operation {
  id: string;
  kind: string;
  subject: { type: string; id: string };
  state: string;
  role: StateRole;
  version: number;
  gates: Record<string, GateRecord>;
  failureMode: string | null;
  reason: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  stateDescription?: string;
  timeline?: OperationEvent[];
}

/** The `state` event of an operation's stream, sent after each batch of events. */
export interface OperationState {
  state: string;
  role: StateRole;
  failureMode: string | null;
  reason: string | null;
}

/** Where a deploy's source came from: an uploaded tarball (its digest) or a git URL and ref. */
export interface DeploymentSource {
  kind: 'upload' | 'git';
  url: string | null;
  ref: string | null;
  digest: string | null;
}

/** A deploy: its record joined with its operation's state and gates. */
export interface Deployment {
  id: string;
  app: string;
  environment: string;
  operationId: string;
  state: string;
  role: StateRole;
  failureMode: string | null;
  reason: string | null;
  source: DeploymentSource;
  /** The git commit SHA, once cloned; null for an upload. */
  commit: string | null;
  /** The artifact's digest (sha256:...), once built. */
  digest: string | null;
  shortId: string;
  previewHost: string | null;
  previewUrl: string | null;
  gates: Record<string, GateRecord>;
  createdAt: string;
  updatedAt: string;
}

/** One chunk of build output: the `log` event of a deploy's stream, and the items of its logs. */
export interface BuildLogChunk {
  seq: number;
  at: string;
  text: string;
}

/** A secret's name and history; the API never sends its value. */
export interface Secret {
  name: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/** A machine that runs allocations, as platform admins see it (`GET /api/hosts`). */
export interface Host {
  id: string;
  name: string;
  region: string;
  labels: Record<string, string>;
  capacity: { cpus: number; memoryBytes: number };
  runnerVersion: string;
  /** `cordoned` is kept by an operator; `offline` when its runner stopped heartbeating. */
  status: 'ready' | 'cordoned' | 'offline';
  cordoned: boolean;
  /** Whether its runner holds a WebSocket to this control plane now. */
  connected?: boolean;
  lastHeartbeatAt: string | null;
  createdAt: string;
}

/** One running (or finished) instance of one artifact on one host; its state is its operation's. */
export interface Allocation {
  id: string;
  operationId: string;
  environmentId: string;
  deploymentId: string;
  hostId: string;
  digest: string;
  state: string;
  role: StateRole;
  failureMode: string | null;
  reason: string | null;
  address: { host: string; port: number } | null;
  /** The runner's last sample: CPU and resident memory. */
  stats: { cpuPercent: number; memoryBytes: number; at: string } | null;
  /** The memory limit. */
  memoryBytes: number;
  createdAt: string;
  /** Only from `GET /api/allocations/:id`. */
  timeline?: OperationEvent[];
}

/** The answer of `PUT /api/apps/:app/environments/:env/scale`. */
export interface ScaleResult {
  environment: string;
  count: number;
  /** What the environment runs; null until a deployment is promoted to it. */
  deploymentId: string | null;
}

/** One line of an app's runtime output (`GET /api/apps/:app/logs`). */
export interface AllocationLogLine {
  allocationId: string;
  /** Per allocation; with allocationId, it names the line. */
  seq: number;
  at: string;
  stream: string;
  text: string;
}

/** A production promotion (or rollback): GET /api/promotions/:id. */
export interface Promotion {
  /** The promotion operation's id. */
  id: string;
  state: string;
  appName: string;
  environmentId: string;
  deploymentId: string;
  shortId: string;
  digest: string;
  host: string;
  /** The route owner's epoch after the swap; null until the swap. */
  epoch: number | null;
  seq: number | null;
  previousDeploymentId: string | null;
  previousEpoch: number | null;
  rollback: boolean;
  failureMode: string | null;
  reason: string | null;
  gates: Record<string, GateRecord>;
  createdAt: string;
  finishedAt: string | null;
}

/** An edge registered with the control plane: GET /api/edges. */
export interface EdgeRecord {
  id: string;
  name: string;
  region: string;
  transport: 'embedded' | 'jetstream';
  status: 'live' | 'offline';
  appliedSeq: number;
  lastSeq: number;
  degradedReason: string | null;
  lastSeenAt: string;
  incidents?: Array<{ id: string; at: string; kind: string; expectedSeq: number | null; gotSeq: number | null; detail: string; resolvedAt: string | null }>;
}

/** An environment's promotion policy, as the environment routes answer it. */
export interface EnvironmentPolicy extends Environment {
  frozen: boolean;
  frozenReason: string | null;
  frozenBy: string | null;
  frozenAt: string | null;
  requireApproval: boolean;
  gapPolicy: 'fail_closed' | 'keep_last_owner';
  productionHost?: string | null;
}

/** The "Stuck Wake" runbook in one answer: GET /api/apps/:app/wake. Names only, never secret values. */
export interface WakeStatus {
  app: string;
  environment: { id: string; name: string; kind: string };
  routeOwners: Array<{ hostname: string; deploymentId: string | null; digest: string | null; epoch: number }>;
  sleep: { state: 'awake' | 'sleeping'; sleepingSince: string | null; lastActivityAt: string | null; desiredCount: number; runStatus: string; runStatusReason: string | null; scale: { min: number; sleepAfterMs: number; wakeBudgetMs: number } };
  wake: { id: string; state: string; failureMode: string | null; reason: string | null; gates: Record<string, GateRecord>; createdAt: string; deadlineAt: string | null; routeEpoch: number | null; timeline: OperationEvent[] } | null;
  allocation: {
    id: string; state: string; failureMode: string | null; reason: string | null; hostName: string | null; hostId: string; address: { host: string; port: number } | null; digest: string;
    pull: Array<{ at: string; to: string | null; sentence: string }>;
    health: { status: string; evidence: Record<string, unknown>; at: string } | null;
    lastLogs: Array<{ at: string; stream: string; text: string }>;
  } | null;
  artifact: { deploymentId: string | null; digest: string | null };
  secrets: Array<{ name: string; set: boolean; from: string | null }>;
  bindings: Array<{ name: string; kind: string; declaredBy: string; secret: string; set: boolean }>;
  readiness: { path: string; health: { status: string; evidence: Record<string, unknown> } | null; lastLogs: Array<{ at: string; stream: string; text: string }> };
  repair: string;
}
