import type { Token } from '../../api-types.js';
import { usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';

/**
 * `berth tokens create NAME`: a new API token of your organization (admin only). Its secret is on
 * stdout once, alone on its line so that it can be piped; the warning goes to stderr.
 */
export default defineCommand({
  path: ['tokens', 'create'],
  summary: 'Create an API token (admin only); its secret is shown once',
  args: { name: 'what the token is for, e.g. "ci" or "alice laptop"' },
  flags: {
    role: { type: 'string', value: 'admin|member', help: 'what the token may do (default member)' },
  },
  examples: ['berth tokens create ci', 'berth tokens create ops-lead --role admin'],
  async run(ctx, { args, flags }) {
    const role = flags.role ?? 'member';
    if (role !== 'admin' && role !== 'member') throw usageError(`--role must be admin or member: got "${role}".`, 'Members use apps and operations; admins also manage tokens and organizations.');
    const created = await ctx.client().post<{ token: Token; secret: string }>('/api/tokens', { name: args.name, role });
    ctx.out.note('This secret is shown once and Berth keeps only its hash: store it now (e.g. in your CI\'s secrets).');
    ctx.out.result(created, () => [`Created token "${created.token.name}" (${created.token.id}, ${created.token.role}). Its secret:`, created.secret].join('\n'));
  },
});
