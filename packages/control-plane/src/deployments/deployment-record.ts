/** A deploy: the source it came from, the artifact it produced, and its preview. */
export interface DeploymentRecord {
  id: string;
  orgId: string;
  appId: string;
  targetEnvironmentId: string;
  previewEnvironmentId: string | null;
  operationId: string;
  shortId: string;
  source: { kind: 'upload' | 'git'; url: string | null; ref: string | null; digest: string | null };
  commit: string | null;
  digest: string | null;
  manifest: Record<string, unknown> | null;
  assetManifest: unknown[] | null;
  migrations: Array<{ name: string; sql: string }> | null;
  previewHost: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentRow {
  id: string;
  org_id: string;
  app_id: string;
  target_environment_id: string;
  preview_environment_id: string | null;
  operation_id: string;
  short_id: string;
  source_kind: 'upload' | 'git';
  source_url: string | null;
  source_ref: string | null;
  source_digest: string | null;
  commit_sha: string | null;
  digest: string | null;
  manifest: Record<string, unknown> | null;
  asset_manifest: unknown[] | null;
  migrations: Array<{ name: string; sql: string }> | null;
  preview_host: string | null;
  created_at: Date;
  updated_at: Date;
}

export function toDeployment(row: DeploymentRow): DeploymentRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    appId: row.app_id,
    targetEnvironmentId: row.target_environment_id,
    previewEnvironmentId: row.preview_environment_id,
    operationId: row.operation_id,
    shortId: row.short_id,
    source: { kind: row.source_kind, url: row.source_url, ref: row.source_ref, digest: row.source_digest },
    commit: row.commit_sha,
    digest: row.digest,
    manifest: row.manifest,
    assetManifest: row.asset_manifest,
    migrations: row.migrations,
    previewHost: row.preview_host,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
