import type { Token } from '../../api-types.js';
import { defineCommand, parseLimit } from '../../command.js';
import { renderTable } from '../../output/table.js';
import { relativeTime } from '../../output/time.js';
import { moreHint, readPages } from '../pages.js';

/** `berth tokens list`: the organization's tokens, by the first characters of their secret, never the secret. */
export default defineCommand({
  path: ['tokens', 'list'],
  summary: 'List the API tokens of your organization (never their secrets)',
  args: {},
  flags: {
    limit: { type: 'string', value: 'N', help: 'how many per page, 1 to 200 (default 50)' },
    all: { type: 'boolean', help: 'follow the pages to the end' },
  },
  examples: ['berth tokens list'],
  async run(ctx, { flags }) {
    const page = await readPages<Token>(ctx.client(), '/api/tokens', { limit: parseLimit(flags.limit, 50), all: flags.all === true });
    const now = ctx.clock.now();
    ctx.out.result(page, () => {
      if (page.items.length === 0) return 'No tokens.';
      const table = renderTable(page.items, [
        { header: 'ID', value: (t) => t.id },
        { header: 'NAME', value: (t) => t.name },
        { header: 'ROLE', value: (t) => t.role },
        { header: 'PREFIX', value: (t) => `${t.prefix}…` },
        { header: 'CREATED', value: (t) => relativeTime(t.createdAt, now) },
        { header: 'LAST USED', value: (t) => relativeTime(t.lastUsedAt, now) },
      ], ctx.out.style);
      return table + moreHint(page, 'berth tokens list');
    });
  },
});
