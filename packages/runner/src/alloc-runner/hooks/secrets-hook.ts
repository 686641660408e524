import { AllocationFailed, type PrerunHook } from '../hook.js';

const gate = 'env/secrets mounted';

/**
 * The "env/secrets mounted" gate. The control plane resolves the environment's variables and
 * secrets into the assignment and lists the required names it could not find; any such name fails
 * the allocation with the failure mode "secret missing", naming the secrets (never a value) so a
 * person knows exactly what to set. On a pass the evidence is a count: names of variables the app
 * did get are not worth exposing.
 */
export const secretsHook = {
  name: 'secrets',
  async prerun(ctx) {
    const missing = [...ctx.assignment.missingSecrets].sort();
    if (missing.length > 0) {
      const evidence = { missing };
      const names = missing.join(', ');
      throw new AllocationFailed(`secret missing: ${names} ${missing.length === 1 ? 'is' : 'are'} not set for this environment`, {
        failureMode: 'secret missing',
        evidence,
        gates: [{ gate, status: 'fail', evidence }],
      });
    }
    ctx.pendingGates.push({ gate, status: 'pass', evidence: { variables: Object.keys(ctx.assignment.env).length } });
  },
} satisfies PrerunHook;
