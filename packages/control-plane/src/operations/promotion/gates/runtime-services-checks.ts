import { requiredSecretNames, type Manifest } from '@berth/core';
import { compatibleWithAppliedSchema } from '@berth/builder';
import type { DeploymentRecord } from '../../../deployments/deployment-record.js';
import type { SecretResolver } from '../../deploy/deploy-deps.js';

/**
 * The parts of "runtime services ready" that can be answered at once: the production environment
 * has every secret the artifact requires, and, for a rollback, the earlier artifact can run on the
 * schema production's database holds now. (The third part, a ready production allocation of the
 * deployment, is waited for by the policy step.)
 */
export interface RuntimeCheck {
  ok: boolean;
  reason: string;
  evidence: Record<string, unknown>;
}

/** Every required secret is set for production; the evidence names the missing ones, never a value. */
export async function productionSecretsSet(secrets: SecretResolver, manifest: Manifest, environmentId: string): Promise<RuntimeCheck> {
  const required = requiredSecretNames(manifest);
  const { missing } = await secrets.resolve(environmentId, required);
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `the production environment is missing required secret${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: set ${missing.length === 1 ? 'it' : 'them'} with \`berth secrets set --env production\`, then promote again`,
      evidence: { required, missing },
    };
  }
  return { ok: true, reason: required.length ? `all ${required.length} required secrets are set for production` : 'the app requires no secrets', evidence: { required } };
}

/**
 * A rollback runs an earlier artifact against the schema the current production artifact's
 * migrations left; it is refused when a migration applied since would break it (a dropped column,
 * a narrowed type), naming each blocker, never hidden behind a green rollback.
 */
export async function schemaCompatible(earlier: DeploymentRecord, current: DeploymentRecord | undefined): Promise<RuntimeCheck> {
  if (!current) return { ok: true, reason: 'production runs nothing yet, so no schema was applied by another artifact', evidence: {} };
  const result = await compatibleWithAppliedSchema(earlier.migrations ?? [], current.migrations ?? []);
  const evidence = { earlier: earlier.id, applied: current.id, appliedMigrations: (current.migrations ?? []).map((m) => m.name), blocking: result.blocking };
  if (result.compatible) return { ok: true, reason: result.reason, evidence };
  return {
    ok: false,
    reason: `Rolling back to ${earlier.id} is unsafe: ${result.reason}. Roll forward with a fix, or restore the database to its point before the migration and then roll back`,
    evidence,
  };
}
