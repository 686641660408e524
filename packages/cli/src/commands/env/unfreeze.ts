import type { EnvironmentPolicy } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { describePolicy, envFlags, environmentPath } from './env-policy.js';

/** `berth env unfreeze --app APP`: promotions are allowed again. */
export default defineCommand({
  path: ['env', 'unfreeze'],
  summary: 'Unfreeze an environment: promotions are allowed again',
  args: {},
  flags: envFlags,
  examples: ['berth env unfreeze --app shop'],
  async run(ctx, { flags }) {
    const e = await ctx.client().post<EnvironmentPolicy>(`${environmentPath(flags, 'env unfreeze')}/unfreeze`, {});
    ctx.out.result(e, () => `Unfroze ${flags.app} ${e.name}: promotions are allowed.\n\n${describePolicy(e, ctx)}`);
  },
});
