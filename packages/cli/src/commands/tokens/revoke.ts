import { defineCommand } from '../../command.js';

/** `berth tokens revoke ID`: the token stops working at once (admin only). */
export default defineCommand({
  path: ['tokens', 'revoke'],
  summary: 'Revoke an API token (admin only)',
  args: { id: 'the token\'s id (tok_...), from `berth tokens list`' },
  flags: {},
  examples: ['berth tokens revoke tok_01J...'],
  async run(ctx, { args }) {
    await ctx.client().delete(`/api/tokens/${encodeURIComponent(args.id)}`);
    ctx.out.result({ revoked: args.id }, () => `Revoked token ${args.id}; requests with it are refused from now on.`);
  },
});
