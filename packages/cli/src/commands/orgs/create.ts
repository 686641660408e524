import type { Organization, Token } from '../../api-types.js';
import { defineCommand } from '../../command.js';

/**
 * `berth orgs create NAME` (admin only): a new organization with its first admin token. The
 * token's secret is on stdout once; whoever receives it logs in with it.
 */
export default defineCommand({
  path: ['orgs', 'create'],
  summary: 'Create an organization and its first admin token (admin only); the token is shown once',
  args: { name: 'the organization\'s name: lowercase letters, digits and single hyphens' },
  flags: {},
  examples: ['berth orgs create acme', 'berth orgs create acme --json | jq -r .secret > acme-admin-token'],
  async run(ctx, { args }) {
    const created = await ctx.client().post<{ organization: Organization; token: Token; secret: string }>('/api/orgs', { name: args.name });
    ctx.out.note('The admin token below is shown once and Berth keeps only its hash: hand it over now.');
    ctx.out.result(created, () =>
      [
        `Created organization ${created.organization.name} (${created.organization.id}) with admin token "${created.token.name}" (${created.token.id}). Its secret:`,
        created.secret,
        '',
        'To act as it, save it to a file only you can read and run: berth login --token-stdin < FILE',
      ].join('\n'),
    );
  },
});
