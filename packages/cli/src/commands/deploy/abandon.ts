import type { Deployment } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { deploymentPath } from './follow.js';

/** `berth deploy abandon ID`: gives up on a blocked deploy; it ends in failed with the reason given. */
export default defineCommand({
  path: ['deploy', 'abandon'],
  summary: 'Give up on a blocked deploy (it ends in failed)',
  args: { id: 'the blocked deployment\'s id (dep_...)' },
  flags: { reason: { type: 'string', value: 'R', help: 'why, kept as the deploy\'s reason' } },
  examples: ['berth deploy abandon dep_01J... --reason "superseded by a new push"'],
  async run(ctx, { args, flags }) {
    const d = await ctx.client().post<Deployment>(`${deploymentPath(args.id)}/abandon`, flags.reason === undefined ? {} : { reason: flags.reason });
    ctx.out.result(d, () => `Abandoned ${d.id}: it is ${d.state} now${d.reason ? `. ${d.reason}` : '.'}`);
  },
});
