import type { Host } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { cordonSentence, hostPath } from './format.js';

/** `berth hosts uncordon HOST`: the host takes new allocations again (once its runner is connected). */
export default defineCommand({
  path: ['hosts', 'uncordon'],
  summary: 'Uncordon a host: it takes new allocations again (platform admin)',
  args: { host: 'the host\'s name or id (host_...)' },
  flags: {},
  examples: ['berth hosts uncordon web-1', 'berth hosts uncordon host_01J... --json | jq -r .status'],
  async run(ctx, { args }) {
    const host = await ctx.client().post<Host>(`${hostPath(args.host)}/uncordon`, {});
    ctx.out.result(host, () => cordonSentence(host, false, ctx.out.style));
  },
});
