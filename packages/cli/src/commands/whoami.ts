import type { Whoami } from '../api-types.js';
import { defineCommand } from '../command.js';
import { renderFields } from '../output/table.js';
import { isoAndRelative } from '../output/time.js';

/** `berth whoami`: the organization and token the CLI acts as, and where each setting came from. */
export default defineCommand({
  path: ['whoami'],
  summary: 'Show the organization and token this CLI acts as',
  args: {},
  flags: {},
  examples: ['berth whoami', 'berth whoami --json | jq -r .organization.id'],
  async run(ctx) {
    const me = await ctx.client().get<Whoami>('/api/whoami');
    const now = ctx.clock.now();
    ctx.out.result({ apiUrl: ctx.target.url, ...me }, () =>
      renderFields(
        [
          ['organization', `${me.organization.name} (${me.organization.id})`],
          ['token', `${me.token.name} (${me.token.id}, ${me.token.prefix}…)`],
          ['role', me.token.role],
          ['token created', isoAndRelative(me.token.createdAt, now)],
          ['api', `${ctx.target.url} (from ${ctx.target.urlSource})`],
          ['token from', ctx.target.tokenSource],
        ],
        ctx.out.style,
      ),
    );
  },
});
