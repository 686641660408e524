import type { Queryable } from '../store/db.js';
import { toDeployment, type DeploymentRecord, type DeploymentRow } from './deployment-record.js';

export interface NewDeployment {
  id: string;
  orgId: string;
  appId: string;
  targetEnvironmentId: string;
  operationId: string;
  shortId: string;
  source: { kind: 'upload' | 'git'; url?: string; ref?: string; digest?: string };
  now: Date;
}

export async function insertDeployment(db: Queryable, d: NewDeployment): Promise<DeploymentRecord> {
  const [row] = await db.query<DeploymentRow>(
    `INSERT INTO deployments (id, org_id, app_id, target_environment_id, operation_id, short_id, source_kind, source_url, source_ref, source_digest, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING *`,
    [d.id, d.orgId, d.appId, d.targetEnvironmentId, d.operationId, d.shortId, d.source.kind, d.source.url ?? null, d.source.ref ?? null, d.source.digest ?? null, d.now],
  );
  return toDeployment(row!);
}

export async function findDeployment(db: Queryable, id: string, orgId?: string): Promise<DeploymentRecord | undefined> {
  const [row] = orgId
    ? await db.query<DeploymentRow>('SELECT * FROM deployments WHERE id = $1 AND org_id = $2', [id, orgId])
    : await db.query<DeploymentRow>('SELECT * FROM deployments WHERE id = $1', [id]);
  return row ? toDeployment(row) : undefined;
}

export async function findDeploymentByOperation(db: Queryable, operationId: string): Promise<DeploymentRecord | undefined> {
  const [row] = await db.query<DeploymentRow>('SELECT * FROM deployments WHERE operation_id = $1', [operationId]);
  return row ? toDeployment(row) : undefined;
}

/** Newest first; `beforeId` pages backwards. */
export async function listDeployments(db: Queryable, appId: string, beforeId: string | undefined, limit: number): Promise<DeploymentRecord[]> {
  const rows = await db.query<DeploymentRow>('SELECT * FROM deployments WHERE app_id = $1 AND ($2::text IS NULL OR id < $2) ORDER BY id DESC LIMIT $3', [appId, beforeId ?? null, limit]);
  return rows.map(toDeployment);
}

export interface DeploymentUpdate {
  commit?: string;
  digest?: string;
  manifest?: Record<string, unknown>;
  assetManifest?: unknown[];
  migrations?: Array<{ name: string; sql: string }>;
  previewEnvironmentId?: string;
  previewHost?: string;
}

const columns: Record<keyof DeploymentUpdate, { column: string; json?: boolean }> = {
  commit: { column: 'commit_sha' },
  digest: { column: 'digest' },
  manifest: { column: 'manifest', json: true },
  assetManifest: { column: 'asset_manifest', json: true },
  migrations: { column: 'migrations', json: true },
  previewEnvironmentId: { column: 'preview_environment_id' },
  previewHost: { column: 'preview_host' },
};

export async function updateDeployment(db: Queryable, id: string, update: DeploymentUpdate, now: Date): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [id, now];
  for (const [key, value] of Object.entries(update) as Array<[keyof DeploymentUpdate, unknown]>) {
    if (value === undefined) continue;
    const { column, json } = columns[key];
    params.push(json ? JSON.stringify(value) : value);
    sets.push(`${column} = $${params.length}${json ? '::jsonb' : ''}`);
  }
  if (sets.length === 0) return;
  await db.query(`UPDATE deployments SET ${sets.join(', ')}, updated_at = $2 WHERE id = $1`, params);
}

/** The deployment the production route owner of an environment points at, if any. */
export async function currentDeploymentOf(db: Queryable, environmentId: string): Promise<DeploymentRecord | undefined> {
  const [row] = await db.query<DeploymentRow>(
    `SELECT d.* FROM route_owners r JOIN deployments d ON d.id = r.deployment_id WHERE r.environment_id = $1 ORDER BY r.hostname LIMIT 1`,
    [environmentId],
  );
  return row ? toDeployment(row) : undefined;
}
