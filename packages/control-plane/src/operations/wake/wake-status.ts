import { listEvents } from '../../engine/operations-store.js';
import type { OperationRecord } from '../../engine/operation-record.js';
import { activityOf, type EdgeActivity } from '../../sleep/edge-activity.js';
import type { Queryable } from '../../store/db.js';
import { allocationAttempt, allocationsOfDeployment, type AllocationAttempt } from './allocation-attempt.js';
import { currentWake, latestWake } from './wake-lookup.js';
import { wakeOutput } from './wake-record.js';
import { readWakeRequests, type WakeRequests } from './wake-requests-store.js';
import { repairHint } from './wake-repair.js';
import { runtimeInputs, type RuntimeInputs } from './runtime-inputs.js';
import { findWakeTarget, wakeScale, type WakeTarget } from './wake-target.js';

/**
 * The "Stuck Wake" runbook (seeds/002) in one answer: the wake operation and the allocation
 * attempt, the artifact pull, the secrets and runtime bindings (names only), the readiness output,
 * the sleep state and last activity, and the one repair action to take next.
 */
export interface WakeStatus {
  app: string;
  environment: { id: string; name: string; kind: string };
  routeOwners: Array<{ hostname: string; deploymentId: string | null; digest: string | null; epoch: number }>;
  sleep: {
    state: 'awake' | 'sleeping';
    sleepingSince: string | null;
    lastActivityAt: string | null;
    evidence: Record<string, unknown> | null;
    desiredCount: number;
    runStatus: string;
    runStatusReason: string | null;
    scale: { min: number; sleepAfterMs: number; wakeBudgetMs: number };
    edges: EdgeActivity[];
  };
  wake: (Pick<OperationRecord, 'id' | 'state' | 'failureMode' | 'reason' | 'gates' | 'createdAt' | 'updatedAt' | 'finishedAt'> & {
    deadlineAt: string | null;
    routeEpoch: number | null;
    requests: WakeRequests | null;
    timeline: Array<{ seq: number; at: string; type: string; from: string | null; to: string | null; sentence: string; evidence: Record<string, unknown> }>;
  }) | null;
  allocation: AllocationAttempt | null;
  artifact: { deploymentId: string | null; digest: string | null; pull: AllocationAttempt['pull']; verified: AllocationAttempt['gates'][string] | null };
  secrets: RuntimeInputs['secrets'];
  bindings: RuntimeInputs['bindings'];
  readiness: { path: string; health: AllocationAttempt['health']; lastLogs: AllocationAttempt['lastLogs'] };
  repair: string;
}

interface SleepRow {
  sleep_state: 'awake' | 'sleeping';
  sleeping_since: Date | null;
  last_activity_at: Date | null;
  sleep_evidence: Record<string, unknown> | null;
}

/** The attempt a wake waited on, or the newest allocation of the route owner's deployment. */
async function attemptOf(db: Queryable, target: WakeTarget, wake: OperationRecord | undefined): Promise<AllocationAttempt | undefined> {
  const tracked = wake ? wakeOutput(wake).allocationId : undefined;
  if (tracked) return allocationAttempt(db, tracked);
  if (!target.deploymentId) return undefined;
  const [newest] = await allocationsOfDeployment(db, target.environmentId, target.deploymentId, 1);
  return newest ? allocationAttempt(db, newest) : undefined;
}

export async function wakeStatus(db: Queryable, environmentId: string): Promise<WakeStatus | undefined> {
  const target = await findWakeTarget(db, environmentId);
  if (!target) return undefined;
  const [sleep] = await db.query<SleepRow>('SELECT sleep_state, sleeping_since, last_activity_at, sleep_evidence FROM environments WHERE id = $1', [environmentId]);
  const wake = (await currentWake(db, environmentId)) ?? (await latestWake(db, environmentId));
  const attempt = await attemptOf(db, target, wake);
  const [fallback] = await db.query<{ target_environment_id: string }>('SELECT target_environment_id FROM deployments WHERE id = $1', [target.deploymentId]);
  const inputs = await runtimeInputs(db, environmentId, fallback?.target_environment_id ?? null, target.manifest);
  const events = wake ? await listEvents(db, wake.id, 0, 200) : [];
  const status: Omit<WakeStatus, 'repair'> = {
    app: target.appName,
    environment: { id: target.environmentId, name: target.environmentName, kind: target.environmentKind },
    routeOwners: target.owners.map((o) => ({ hostname: o.hostname, deploymentId: o.deploymentId, digest: o.digest, epoch: o.epoch })),
    sleep: {
      state: sleep?.sleep_state ?? 'awake', sleepingSince: sleep?.sleeping_since?.toISOString() ?? null, lastActivityAt: sleep?.last_activity_at?.toISOString() ?? null,
      evidence: sleep?.sleep_evidence ?? null, desiredCount: target.desiredCount, runStatus: target.runStatus, runStatusReason: target.runStatusReason,
      scale: wakeScale(target.manifest), edges: await activityOf(db, environmentId),
    },
    wake: wake
      ? {
          id: wake.id, state: wake.state, failureMode: wake.failureMode, reason: wake.reason, gates: wake.gates, createdAt: wake.createdAt, updatedAt: wake.updatedAt, finishedAt: wake.finishedAt,
          deadlineAt: wakeOutput(wake).deadlineAt ?? null, routeEpoch: wakeOutput(wake).routeEpoch ?? null,
          requests: (await readWakeRequests(db, wake.id)) ?? null,
          timeline: events.map(({ operationId: _op, actor: _actor, ...e }) => e),
        }
      : null,
    allocation: attempt ?? null,
    artifact: {
      deploymentId: target.deploymentId, digest: target.owners[0]?.digest ?? null, pull: attempt?.pull ?? [],
      verified: attempt?.gates['artifact digest verified'] ?? null,
    },
    secrets: inputs.secrets,
    bindings: inputs.bindings,
    readiness: { path: target.manifest?.run?.health ?? '/', health: attempt?.health ?? null, lastLogs: attempt?.lastLogs ?? [] },
  };
  return { ...status, repair: repairHint(target, status) };
}
