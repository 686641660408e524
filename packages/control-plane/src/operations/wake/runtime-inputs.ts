import { requiredSecretNames, type Manifest } from '@berth/core';
import type { Queryable } from '../../store/db.js';

/**
 * What an allocation needs from its environment besides the artifact, as the "Stuck Wake" runbook
 * checks it: each required secret and runtime binding, by name, and whether it is set. Never a value.
 */
export interface RuntimeInputs {
  secrets: Array<{ name: string; set: boolean; from: 'environment' | 'deploy target' | null }>;
  bindings: Array<{ name: string; kind: 'session store'; declaredBy: string; secret: string; set: boolean }>;
}

/**
 * The secret that sets a runtime binding for an environment: `BERTH_BINDING_<NAME>` (upper case,
 * "-" as "_"), holding the binding's connection string, e.g. `BERTH_BINDING_SESSIONS` for
 * `[live] store = "sessions"`.
 */
export function bindingSecretName(binding: string): string {
  return `BERTH_BINDING_${binding.toUpperCase().replaceAll('-', '_')}`;
}

/**
 * Required secrets and bindings of `manifest` for an environment. A preview falls back to its
 * deploy's target environment for what it does not set itself, as its allocations do.
 */
export async function runtimeInputs(db: Queryable, environmentId: string, fallbackEnvironmentId: string | null, manifest: Manifest | null): Promise<RuntimeInputs> {
  const required = manifest ? requiredSecretNames(manifest) : [];
  const bindings = manifest?.live?.store ? [{ name: manifest.live.store, kind: 'session store' as const, declaredBy: '[live] store', secret: bindingSecretName(manifest.live.store) }] : [];
  const names = [...required, ...bindings.map((b) => b.secret)];
  const rows = names.length === 0 ? [] : await db.query<{ environment_id: string; name: string }>(
    'SELECT environment_id, name FROM secrets WHERE environment_id = ANY($1::text[]) AND name = ANY($2::text[])',
    [[environmentId, ...(fallbackEnvironmentId && fallbackEnvironmentId !== environmentId ? [fallbackEnvironmentId] : [])], names],
  );
  const where = (name: string): 'environment' | 'deploy target' | null =>
    rows.some((r) => r.name === name && r.environment_id === environmentId) ? 'environment' : rows.some((r) => r.name === name) ? 'deploy target' : null;
  return {
    secrets: required.map((name) => ({ name, set: where(name) !== null, from: where(name) })),
    bindings: bindings.map((b) => ({ ...b, set: where(b.secret) !== null })),
  };
}
