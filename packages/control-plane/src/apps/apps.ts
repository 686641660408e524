import { newId } from '@berth/core';
import type { Queryable } from '../store/db.js';
import { toEnvironmentPolicy, type EnvironmentPolicy, type EnvironmentPolicyRow } from '../environments/environment-policy.js';

export interface EnvironmentRecord extends EnvironmentPolicy {
  id: string;
  appId: string;
  name: string;
  kind: 'production' | 'preview';
  createdAt: string;
  /** The deployment it runs, how many allocations it wants, and whether placement is going well. */
  deploymentId: string | null;
  desiredCount: number;
  runStatus: 'running' | 'crashloop';
  runStatusReason: string | null;
}

export interface AppRecord {
  id: string;
  orgId: string;
  name: string;
  createdAt: string;
}

interface AppRow {
  id: string;
  org_id: string;
  name: string;
  created_at: Date;
}

interface EnvironmentRow extends EnvironmentPolicyRow {
  id: string;
  app_id: string;
  name: string;
  kind: 'production' | 'preview';
  created_at: Date;
  deployment_id: string | null;
  desired_count: number;
  run_status: 'running' | 'crashloop';
  run_status_reason: string | null;
}

const toApp = (row: AppRow): AppRecord => ({ id: row.id, orgId: row.org_id, name: row.name, createdAt: row.created_at.toISOString() });
const toEnvironment = (row: EnvironmentRow): EnvironmentRecord => ({
  id: row.id, appId: row.app_id, name: row.name, kind: row.kind, createdAt: row.created_at.toISOString(),
  deploymentId: row.deployment_id, desiredCount: row.desired_count, runStatus: row.run_status, runStatusReason: row.run_status_reason,
  ...toEnvironmentPolicy(row),
});

/** Creates the app and its one production environment together; undefined when the name is taken. */
export async function createApp(db: Queryable, orgId: string, name: string, now: Date): Promise<{ app: AppRecord; environments: EnvironmentRecord[] } | undefined> {
  const [row] = await db.query<AppRow>('INSERT INTO apps (id, org_id, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING *', [newId('app', now.getTime()), orgId, name, now]);
  if (!row) return undefined;
  const [env] = await db.query<EnvironmentRow>("INSERT INTO environments (id, app_id, name, kind, created_at) VALUES ($1, $2, 'production', 'production', $3) RETURNING *", [newId('environment', now.getTime()), row.id, now]);
  return { app: toApp(row), environments: [toEnvironment(env!)] };
}

/** An app of this organization, by id or by name. Another organization's app is not found. */
export async function findApp(db: Queryable, orgId: string, idOrName: string): Promise<AppRecord | undefined> {
  const column = idOrName.startsWith('app_') ? 'id' : 'name';
  const [row] = await db.query<AppRow>(`SELECT * FROM apps WHERE org_id = $1 AND ${column} = $2`, [orgId, idOrName]);
  return row ? toApp(row) : undefined;
}

export async function listApps(db: Queryable, orgId: string, afterName: string | undefined, limit: number): Promise<AppRecord[]> {
  const rows = await db.query<AppRow>('SELECT * FROM apps WHERE org_id = $1 AND name > $2 ORDER BY name LIMIT $3', [orgId, afterName ?? '', limit]);
  return rows.map(toApp);
}

export async function deleteApp(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM apps WHERE org_id = $1 AND id = $2 RETURNING id', [orgId, id]);
  return rows.length === 1;
}

export async function listEnvironments(db: Queryable, appId: string, afterName: string | undefined, limit: number): Promise<EnvironmentRecord[]> {
  const rows = await db.query<EnvironmentRow>('SELECT * FROM environments WHERE app_id = $1 AND name > $2 ORDER BY name LIMIT $3', [appId, afterName ?? '', limit]);
  return rows.map(toEnvironment);
}

export async function findEnvironment(db: Queryable, appId: string, idOrName: string): Promise<EnvironmentRecord | undefined> {
  const column = idOrName.startsWith('env_') ? 'id' : 'name';
  const [row] = await db.query<EnvironmentRow>(`SELECT * FROM environments WHERE app_id = $1 AND ${column} = $2`, [appId, idOrName]);
  return row ? toEnvironment(row) : undefined;
}
