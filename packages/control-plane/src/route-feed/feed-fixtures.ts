import { randomBytes } from 'node:crypto';
import { newId } from '@berth/core';
import type { OperationEngine } from '../engine/operation-engine.js';
import type { Queryable } from '../store/db.js';
import { insertAllocation, setAllocationAddress } from '../allocations/allocations-store.js';

/**
 * Rows the route feed's tests build on: an app with its environments, deployments with manifests,
 * a host, and allocations driven through the real allocation machine by the real engine.
 */

export interface SeededApp {
  orgId: string;
  appId: string;
  production: string;
  preview: string;
}

const suffix = () => randomBytes(4).toString('hex');

export async function seedApp(db: Queryable, name = `app-${suffix()}`): Promise<SeededApp> {
  const now = new Date();
  const orgId = `org_${suffix()}`;
  await db.query('INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)', [orgId, `org-${suffix()}`, now]);
  const appId = newId('app');
  await db.query('INSERT INTO apps (id, org_id, name, created_at) VALUES ($1, $2, $3, $4)', [appId, orgId, name, now]);
  const production = newId('environment');
  const preview = newId('environment');
  await db.query(`INSERT INTO environments (id, app_id, name, kind, created_at) VALUES ($1, $2, 'production', 'production', $4), ($3, $2, 'preview-x', 'preview', $4)`, [production, appId, preview, now]);
  return { orgId, appId, production, preview };
}

export interface SeededDeployment {
  id: string;
  digest: string;
}

/** A deployment with an artifact digest, a manifest and an asset manifest, as the deploy pipeline leaves one. */
export async function seedDeployment(
  db: Queryable,
  app: SeededApp,
  options: { digest?: string; manifest?: Record<string, unknown>; assetManifest?: unknown[] } = {},
): Promise<SeededDeployment> {
  const id = newId('deployment');
  const digest = options.digest ?? `sha256:${randomBytes(32).toString('hex')}`;
  const manifest = options.manifest ?? { name: 'web', run: { command: 'node server.js' }, assets: { dir: 'public', prefix: '/assets/', immutable: true } };
  const assetManifest = options.assetManifest ?? [{ path: '/assets/app.js', file: 'public/app.js', digest: `sha256:${'a'.repeat(64)}`, size: 12, contentType: 'text/javascript; charset=utf-8' }];
  await db.query(
    `INSERT INTO deployments (id, org_id, app_id, target_environment_id, operation_id, short_id, source_kind, digest, manifest, asset_manifest, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'upload', $7, $8::jsonb, $9::jsonb, $10, $10)`,
    [id, app.orgId, app.appId, app.production, newId('operation'), suffix(), digest, JSON.stringify(manifest), JSON.stringify(assetManifest), new Date()],
  );
  return { id, digest };
}

export async function seedHost(db: Queryable): Promise<string> {
  const id = newId('host');
  const now = new Date();
  await db.query(
    `INSERT INTO hosts (id, name, region, cpus, memory_bytes, runner_version, status, created_at, updated_at) VALUES ($1, $2, 'default', 2, 1073741824, 'test', 'ready', $3, $3)`,
    [id, `host-${suffix()}`, now],
  );
  return id;
}

/** An allocation operation and its row, planned on `hostId`, the way the scheduler makes one. */
export async function seedAllocation(engine: OperationEngine, app: SeededApp, deployment: SeededDeployment, hostId: string, environmentId = app.production): Promise<{ allocationId: string; operationId: string }> {
  const allocationId = newId('allocation');
  const { operation } = await engine.create({
    orgId: app.orgId, kind: 'allocation', subject: { type: 'allocation', id: allocationId }, actor: 'test',
    onCreate: (tx, op) => insertAllocation(tx, { id: allocationId, operationId: op.id, orgId: app.orgId, appId: app.appId, environmentId, deploymentId: deployment.id, hostId, digest: deployment.digest, memoryBytes: 1 << 26, now: new Date() }),
  });
  return { allocationId, operationId: operation.id };
}

const pass = (gate: string) => ({ gate, status: 'pass' as const, evidence: {} });

/** Drives an allocation from planned to ready as a runner's reports would, address first (as runner-hub does). */
export async function makeReady(engine: OperationEngine, db: Queryable, allocation: { allocationId: string; operationId: string }, address: { host: string; port: number }): Promise<void> {
  let op = await engine.applyRemote(allocation.operationId, 1, { to: 'pulling', sentence: 'pulling' }, 'test');
  op = await engine.applyRemote(allocation.operationId, op.version, { to: 'starting', sentence: 'starting', gates: [pass('artifact digest verified'), pass('env/secrets mounted')] }, 'test');
  await setAllocationAddress(db, allocation.allocationId, address, new Date());
  await engine.applyRemote(allocation.operationId, op.version, { to: 'ready', sentence: 'ready', gates: [pass('health/readiness pass')] }, 'test');
}

/** Moves a ready allocation out of `ready` (to draining, or failed by a failure mode). */
export async function leaveReady(engine: OperationEngine, db: Queryable, operationId: string, step: { to: 'draining' } | { failureMode: string }): Promise<void> {
  const [row] = await db.query<{ version: number }>('SELECT version FROM operations WHERE id = $1', [operationId]);
  await engine.applyRemote(operationId, row!.version, { ...step, sentence: 'leaving ready' }, 'test');
}
