import { requiredSecretNames, type GateResult, type Manifest } from '@berth/core';
import type { SecretResolver } from '../deploy-deps.js';

/**
 * "secrets/providers bound": every secret the manifest requires, webhook secrets included, is set
 * for the target environment. The evidence names what is missing; it never holds a value.
 */
export async function secretsGate(manifest: Manifest, environmentId: string, environmentName: string, secrets: SecretResolver): Promise<GateResult> {
  const required = requiredSecretNames(manifest);
  const { missing } = await secrets.resolve(environmentId, required);
  if (missing.length > 0) {
    const plural = missing.length === 1 ? 'secret is' : 'secrets are';
    return {
      gate: 'secrets/providers bound',
      status: 'fail',
      evidence: {
        reason: `the required ${plural} not set for the ${environmentName} environment: ${missing.join(', ')}. Set ${missing.length === 1 ? 'it' : 'them'} with \`berth secrets set\`, then \`berth deploy retry\``,
        missing,
        required,
      },
    };
  }
  return { gate: 'secrets/providers bound', status: 'pass', evidence: { reason: required.length ? `all ${required.length} required secrets are set` : 'the app requires no secrets', required } };
}
