import type { Deployment } from '../../api-types.js';
import { usageError } from '../../cli-error.js';
import { defineCommand, parseLimit } from '../../command.js';
import { styleState } from '../../output/style.js';
import { renderTable } from '../../output/table.js';
import { relativeTime } from '../../output/time.js';
import { shortHash } from '../deploy/outcome.js';
import { moreHint, readPages } from '../pages.js';

/** Where a deploy's source came from, in one cell: the upload's digest or the git ref. */
export function sourceCell(d: Deployment): string | null {
  if (d.source.kind === 'git') return `git ${d.source.ref ?? '?'}`;
  return d.source.digest ? `upload ${shortHash(d.source.digest)}` : 'upload';
}

/** `berth deployments list --app APP`: an app's deploys, newest first. */
export default defineCommand({
  path: ['deployments', 'list'],
  summary: 'List an app\'s deployments, newest first',
  args: {},
  flags: {
    app: { type: 'string', value: 'APP', help: 'the app (required)' },
    limit: { type: 'string', value: 'N', help: 'how many per page, 1 to 200 (default 50)' },
    all: { type: 'boolean', help: 'follow the pages to the end' },
  },
  examples: ['berth deployments list --app hello', 'berth deployments list --app hello --json | jq -r \'.items[0].previewUrl\''],
  async run(ctx, { flags }) {
    if (!flags.app) throw usageError('Missing --app for `berth deployments list`.', 'For example `berth deployments list --app hello`.');
    const path = `/api/apps/${encodeURIComponent(flags.app)}/deployments`;
    const page = await readPages<Deployment>(ctx.client(), path, { limit: parseLimit(flags.limit, 50), all: flags.all === true });
    const now = ctx.clock.now();
    const style = ctx.out.style;
    ctx.out.result(page, () => {
      if (page.items.length === 0) return `No deployments of ${flags.app} yet. Deploy with \`berth deploy --app ${flags.app}\`.`;
      const table = renderTable(page.items, [
        { header: 'ID', value: (d) => d.id },
        { header: 'STATE', value: (d) => d.state, paint: (text, d) => styleState(style, text, d.role) },
        { header: 'DIGEST', value: (d) => shortHash(d.digest) },
        { header: 'SOURCE', value: (d) => sourceCell(d) },
        { header: 'COMMIT', value: (d) => shortHash(d.commit) },
        { header: 'PREVIEW', value: (d) => d.previewHost },
        { header: 'AGE', value: (d) => relativeTime(d.createdAt, now) },
      ], style);
      return table + moreHint(page, `berth deployments list --app ${flags.app}`);
    });
  },
});
