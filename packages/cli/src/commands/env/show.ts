import type { EnvironmentPolicy } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { describePolicy, envFlags, environmentPath } from './env-policy.js';

/** `berth env show --app APP [--env ENV]`: an environment's deployment and promotion policy. */
export default defineCommand({
  path: ['env', 'show'],
  summary: 'Show an environment\'s deployment and promotion policy (frozen, approval, gap policy)',
  args: {},
  flags: envFlags,
  examples: ['berth env show --app shop', 'berth env show --app shop --json'],
  async run(ctx, { flags }) {
    const e = await ctx.client().get<EnvironmentPolicy>(environmentPath(flags, 'env show'));
    ctx.out.result(e, () => describePolicy(e, ctx));
  },
});
