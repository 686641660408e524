import type { App } from '../../api-types.js';
import { defineCommand, parseLimit } from '../../command.js';
import { renderTable } from '../../output/table.js';
import { relativeTime } from '../../output/time.js';
import { moreHint, readPages } from '../pages.js';

/** `berth apps list`: the organization's apps by name, one page or (--all) every page. */
export default defineCommand({
  path: ['apps', 'list'],
  summary: 'List the apps of your organization, by name',
  args: {},
  flags: {
    limit: { type: 'string', value: 'N', help: 'how many apps per page, 1 to 200 (default 50)' },
    all: { type: 'boolean', help: 'follow the pages to the end' },
  },
  examples: ['berth apps list', 'berth apps list --all --json'],
  async run(ctx, { flags }) {
    const page = await readPages<App>(ctx.client(), '/api/apps', { limit: parseLimit(flags.limit, 50), all: flags.all === true });
    const now = ctx.clock.now();
    ctx.out.result(page, () => {
      if (page.items.length === 0) return 'No apps yet. Create one with `berth apps create NAME`.';
      const table = renderTable(page.items, [
        { header: 'NAME', value: (app) => app.name, paint: (text) => ctx.out.style.bold(text) },
        { header: 'ID', value: (app) => app.id },
        { header: 'CREATED', value: (app) => relativeTime(app.createdAt, now) },
      ], ctx.out.style);
      return table + moreHint(page, 'berth apps list');
    });
  },
});
