import type { Page, Promotion } from '../../api-types.js';
import { usageError } from '../../cli-error.js';
import { defineCommand, parseLimit } from '../../command.js';
import { renderTable } from '../../output/table.js';
import { isoTime } from '../../output/time.js';

/** `berth promotions list --app APP`: the app's promotions and rollbacks, newest first. */
export default defineCommand({
  path: ['promotions', 'list'],
  summary: 'List an app\'s promotions and rollbacks, newest first',
  args: {},
  flags: {
    app: { type: 'string', value: 'APP', help: 'the app (required)' },
    limit: { type: 'string', value: 'N', help: 'how many (default 20)' },
  },
  examples: ['berth promotions list --app shop', 'berth promotions list --app shop --json'],
  async run(ctx, { flags }) {
    if (!flags.app) throw usageError('Missing --app for `berth promotions list`.', 'For example `berth promotions list --app shop`.');
    const page = await ctx.client().get<Page<Promotion>>(`/api/apps/${encodeURIComponent(flags.app)}/promotions`, { limit: parseLimit(flags.limit, 20) });
    ctx.out.result(page, () => page.items.length === 0 ? `No promotions of ${flags.app} yet; promote a deployment with \`berth promote DEPLOYMENT\`.` : renderTable(page.items, [
      { header: 'PROMOTION', value: (p) => p.id },
      { header: 'KIND', value: (p) => (p.rollback ? 'rollback' : 'promotion') },
      { header: 'STATE', value: (p) => p.state },
      { header: 'DEPLOYMENT', value: (p) => p.shortId || p.deploymentId },
      { header: 'EPOCH', value: (p) => p.epoch, align: 'right' },
      { header: 'CREATED', value: (p) => isoTime(p.createdAt) },
      { header: 'REASON', value: (p) => p.reason },
    ], ctx.out.style));
  },
});
