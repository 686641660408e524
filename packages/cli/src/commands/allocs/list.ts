import type { Allocation } from '../../api-types.js';
import { usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { renderTable } from '../../output/table.js';
import { relativeTime } from '../../output/time.js';
import { readPages } from '../pages.js';
import { addressCell, allocationState, cpuCell, memoryCell, paintAllocationState, shortId } from './format.js';

/**
 * `berth allocs list --app APP`: what an app runs now, newest first. Live allocations are few (an
 * environment runs at most 100), so every page is read; `--all` adds the stopped and failed ones,
 * whose failure mode shows in the state column.
 */
export default defineCommand({
  path: ['allocs', 'list'],
  summary: 'List an app\'s allocations: state, host, address, CPU and memory',
  args: {},
  flags: {
    app: { type: 'string', value: 'APP', help: 'the app (required)' },
    env: { type: 'string', value: 'ENV', help: 'only this environment (default: every environment)' },
    all: { type: 'boolean', help: 'also the stopped and failed ones (default: live ones only)' },
  },
  examples: ['berth allocs list --app shop', 'berth allocs list --app shop --env production --all', 'berth allocs list --app shop --json | jq -r \'.items[].id\''],
  async run(ctx, { flags }) {
    if (!flags.app) throw usageError('Missing --app for `berth allocs list`.', 'For example `berth allocs list --app shop`.');
    const path = `/api/apps/${encodeURIComponent(flags.app)}/allocations`;
    const query = { env: flags.env, all: flags.all ? 'true' : undefined };
    const page = await readPages<Allocation>(ctx.client(), path, { limit: 200, all: true, query });
    const now = ctx.clock.now();
    const style = ctx.out.style;
    ctx.out.result(page, () => {
      const where = flags.env ? `${flags.app} (${flags.env})` : flags.app;
      const empty = flags.all ? `No allocations of ${where}.` : `No live allocations of ${where}. \`--all\` shows stopped and failed ones too.`;
      const table = renderTable(page.items, [
        { header: 'ID', value: (a) => a.id },
        { header: 'STATE', value: (a) => allocationState(a), paint: (text, a) => paintAllocationState(style, text, a) },
        { header: 'HOST', value: (a) => shortId(a.hostId) },
        { header: 'ADDRESS', value: (a) => addressCell(a) },
        { header: 'CPU', value: (a) => cpuCell(a), align: 'right' },
        { header: 'MEMORY', value: (a) => memoryCell(a), align: 'right' },
        { header: 'AGE', value: (a) => relativeTime(a.createdAt, now) },
      ], style);
      // The header stays even when empty, so a script reading columns sees the same shape.
      return page.items.length === 0 ? `${table}\n${style.dim(empty)}` : table;
    });
  },
});
