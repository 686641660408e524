import type { EnvironmentPolicy } from '../../api-types.js';
import { usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { describePolicy, envFlags, environmentPath } from './env-policy.js';

/**
 * `berth env freeze --app APP --reason R`: the first step of the "Bad Deploy" runbook. A frozen
 * environment refuses promotions with the reason until unfrozen; a rollback (the runbook's next
 * step) is still allowed.
 */
export default defineCommand({
  path: ['env', 'freeze'],
  summary: 'Freeze an environment: promotions are refused with the reason until unfrozen (rollbacks still allowed)',
  args: {},
  flags: { ...envFlags, reason: { type: 'string', value: 'R', help: 'why (required; shown to whoever tries to promote)' } },
  examples: ['berth env freeze --app shop --reason "error rate up after dep_01J...; investigating"'],
  async run(ctx, { flags }) {
    const path = environmentPath(flags, 'env freeze');
    if (!flags.reason || flags.reason.trim() === '') throw usageError('Missing --reason for `berth env freeze`.', 'Say why, e.g. --reason "investigating the 5xx spike"; it is shown to whoever tries to promote.');
    const e = await ctx.client().post<EnvironmentPolicy>(`${path}/freeze`, { reason: flags.reason });
    ctx.out.result(e, () => `Froze ${flags.app} ${e.name}: promotions are refused (rollbacks are not) until \`berth env unfreeze --app ${flags.app}${flags.env ? ` --env ${flags.env}` : ''}\`.\n\n${describePolicy(e, ctx)}`);
  },
});
