import type { Host } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { cordonSentence, hostPath } from './format.js';

/**
 * `berth hosts cordon HOST`: the scheduler places nothing new on the host (e.g. before
 * maintenance); its allocations keep running. Cordoning a cordoned host changes nothing.
 */
export default defineCommand({
  path: ['hosts', 'cordon'],
  summary: 'Cordon a host: nothing new is placed on it (platform admin)',
  args: { host: 'the host\'s name or id (host_...)' },
  flags: {},
  examples: ['berth hosts cordon web-1', 'berth hosts cordon web-1 --json | jq -r .status'],
  async run(ctx, { args }) {
    const host = await ctx.client().post<Host>(`${hostPath(args.host)}/cordon`, {});
    ctx.out.result(host, () => cordonSentence(host, true, ctx.out.style));
  },
});
