import { newId, type Clock, type Manifest } from '@berth/core';
import type { OperationEngine } from '../engine/operation-engine.js';
import type { Db } from '../store/db.js';
import { allocationsWhere, findAllocation, insertAllocation, type AllocationRecord } from '../allocations/allocations-store.js';
import { findDeployment } from '../deployments/deployments-store.js';
import type { SecretResolver } from '../operations/deploy/deploy-deps.js';
import { buildAssignment } from '../runners/assignment.js';
import type { RunnerHub } from '../runners/runner-hub.js';
import { placeAllocation, type PlacementHost, type PlacementRequest } from './placement.js';
import { deploymentsStillServing } from './serving-deployments.js';

export interface SchedulerDeps {
  db: Db;
  clock: Clock;
  engine: OperationEngine;
  hub: RunnerHub;
  secrets: SecretResolver;
  log: (line: string) => void;
  /** Exits within this window count toward a crash loop. */
  crashWindowMs?: number;
  /** This many failed allocations within the window stop placement: the environment is in crashloop. */
  crashLimit?: number;
}

interface EnvironmentRow {
  run_status_since: Date | null;
  id: string;
  app_id: string;
  org_id: string;
  deployment_id: string;
  desired_count: number;
  run_status: string;
}

/**
 * Keeps each environment at its desired count of allocations of its deployment: places new ones
 * on ready hosts, stops extras and those of an older deployment, and backs off a crashing app:
 * each recent failure doubles the wait before the next placement, and `crashLimit` failures within
 * the window put the environment in crashloop until a person redeploys or scales it.
 */
export class Scheduler {
  readonly #window: number;
  readonly #limit: number;
  constructor(private readonly deps: SchedulerDeps) {
    this.#window = deps.crashWindowMs ?? 5 * 60_000;
    this.#limit = deps.crashLimit ?? 5;
  }

  async tick(): Promise<void> {
    const envs = await this.deps.db.query<EnvironmentRow>(
      `SELECT e.id, e.app_id, a.org_id, e.deployment_id, e.desired_count, e.run_status, e.run_status_since FROM environments e JOIN apps a ON a.id = e.app_id WHERE e.deployment_id IS NOT NULL`,
    );
    for (const env of envs) await this.#reconcile(env);
  }

  async #reconcile(env: EnvironmentRow): Promise<void> {
    const live = await allocationsWhere(this.deps.db, { environmentId: env.id, live: true });
    const current = live.filter((a) => a.deploymentId === env.deployment_id && a.state !== 'draining');
    const serving = await deploymentsStillServing(this.deps.db, env.id);
    const older = live.filter((a) => a.deploymentId !== env.deployment_id && a.state !== 'draining' && !serving.has(a.deploymentId));
    const readyCurrent = current.filter((a) => a.state === 'ready').length;
    // An older deployment's allocations stop once the new one has enough ready, never before, and
    // never while a route owner or an unfinished promotion still names their deployment.
    if (readyCurrent >= Math.min(env.desired_count, 1)) for (const a of older) await this.#stop(a, 'a newer deployment replaced it');
    const extra = current.length - env.desired_count;
    if (extra > 0) {
      const byPreference = [...current].sort((a, b) => Number(a.state === 'ready') - Number(b.state === 'ready') || b.id.localeCompare(a.id));
      for (const a of byPreference.slice(0, extra)) await this.#stop(a, `scaled to ${env.desired_count}`);
      return;
    }
    if (extra === 0 || env.run_status !== 'running') return;
    if (!(await this.#mayPlace(env))) return;
    const deployment = await findDeployment(this.deps.db, env.deployment_id);
    const manifest = deployment?.manifest as unknown as Manifest | undefined;
    if (!deployment?.digest || !manifest?.run) return;
    const request = { memoryBytes: manifest.run.memoryBytes, ...(manifest.scale.region ? { region: manifest.scale.region } : {}), labels: manifest.scale.labels ?? {} };
    for (let i = 0; i < -extra; i++) await this.#place(env, deployment.id, deployment.digest, request);
  }

  /** Crash-loop back-off: false while waiting; puts the environment in crashloop past the limit. */
  async #mayPlace(env: EnvironmentRow): Promise<boolean> {
    const now = this.deps.clock.now();
    const failures = await this.deps.db.query<{ finished_at: Date; reason: string | null }>(
      `SELECT o.finished_at, o.reason FROM allocations a JOIN operations o ON o.id = a.operation_id
       WHERE a.environment_id = $1 AND a.deployment_id = $2 AND o.state = 'failed' AND o.finished_at > $3
         -- A host's failure is not the app's: allocations lost with their host, or stuck on it, do not count.
         AND o.failure_mode IS DISTINCT FROM 'runner crash' AND coalesce(o.reason, '') NOT LIKE 'Its host % went offline%'
       ORDER BY o.finished_at DESC`,
      [env.id, env.deployment_id, new Date(Math.max(now - this.#window, env.run_status_since?.getTime() ?? 0))],
    );
    if (failures.length >= this.#limit) {
      const reason = `${failures.length} allocations failed within ${Math.round(this.#window / 60_000)} minutes; the last: ${failures[0]?.reason ?? 'unknown'}. Fix the app and deploy again, or scale to restart.`;
      await this.deps.db.query("UPDATE environments SET run_status = 'crashloop', run_status_reason = $2 WHERE id = $1", [env.id, reason]);
      this.deps.log(`environment ${env.id} is in crashloop: ${reason}`);
      return false;
    }
    if (failures.length === 0) return true;
    const backoff = Math.min(60_000, 1000 * 2 ** (failures.length - 1));
    return now - failures[0]!.finished_at.getTime() >= backoff;
  }

  async #place(env: EnvironmentRow, deploymentId: string, digest: string, request: PlacementRequest): Promise<void> {
    const { memoryBytes } = request;
    const hosts = await this.deps.db.query<{ id: string; status: PlacementHost['status']; region: string; labels: Record<string, string>; memory_bytes: number; used: number; same: number }>(
      `SELECT h.id, h.status, h.region, h.labels, h.memory_bytes,
         coalesce((SELECT sum(a.memory_bytes) FROM allocations a JOIN operations o ON o.id = a.operation_id WHERE a.host_id = h.id AND o.role <> 'terminal'), 0)::bigint AS used,
         (SELECT count(*) FROM allocations a JOIN operations o ON o.id = a.operation_id WHERE a.host_id = h.id AND a.environment_id = $1 AND o.role <> 'terminal')::int AS same
       FROM hosts h`,
      [env.id],
    );
    const choice = placeAllocation(hosts.map((h) => ({ id: h.id, status: h.status, connected: this.deps.hub.connected(h.id), region: h.region, labels: h.labels, memoryBytes: h.memory_bytes, usedBytes: Number(h.used), sameEnvironment: h.same })), request);
    if (choice.hostId === null) {
      await this.deps.db.query('UPDATE environments SET run_status_reason = $2 WHERE id = $1', [env.id, `waiting for a host: ${choice.reason}`]);
      return;
    }
    const hostId = choice.hostId;
    const allocationId = newId('allocation', this.deps.clock.now());
    const now = new Date(this.deps.clock.now());
    await this.deps.engine.create({
      orgId: env.org_id, kind: 'allocation', subject: { type: 'allocation', id: allocationId }, input: { environmentId: env.id, deploymentId, hostId, digest }, actor: 'scheduler',
      onCreate: (tx, op) => insertAllocation(tx, { id: allocationId, operationId: op.id, orgId: env.org_id, appId: env.app_id, environmentId: env.id, deploymentId, hostId, digest, memoryBytes, now }),
    });
    await this.deps.db.query('UPDATE environments SET run_status_reason = NULL WHERE id = $1', [env.id]);
    const allocation = await findAllocation(this.deps.db, allocationId);
    if (allocation) this.deps.hub.send(hostId, { type: 'allocation.start', assignment: await buildAssignment(this.deps.db, this.deps.secrets, allocation) });
  }

  async #stop(allocation: AllocationRecord, reason: string): Promise<void> {
    const deployment = await findDeployment(this.deps.db, allocation.deploymentId);
    const drainMs = (deployment?.manifest as unknown as Manifest | undefined)?.run?.drainTimeoutMs ?? 30_000;
    if (allocation.state === 'planned' && !this.deps.hub.connected(allocation.hostId)) {
      await this.deps.engine.applyRemote(allocation.operationId, allocation.version, { to: 'stopped', sentence: `Cancelled before it started: ${reason}.` }, 'scheduler').catch(() => {});
      return;
    }
    this.deps.hub.send(allocation.hostId, { type: 'allocation.stop', allocationId: allocation.id, version: allocation.version, deadlineMs: drainMs, reason });
  }
}
