import type { EdgeRecord, Page } from '../../api-types.js';
import { defineCommand, parseLimit } from '../../command.js';
import { renderTable } from '../../output/table.js';
import { isoTime } from '../../output/time.js';

/** `berth edges list`: the registered edges, how far each has applied the route feed, and whether it is degraded (platform admin). */
export default defineCommand({
  path: ['edges', 'list'],
  summary: 'List edges: status, applied route sequence, degradation (platform admin)',
  args: {},
  flags: { limit: { type: 'string', value: 'N', help: 'how many (default 50)' } },
  examples: ['berth edges list', 'berth edges list --json'],
  async run(ctx, { flags }) {
    const page = await ctx.client().get<Page<EdgeRecord>>('/api/edges', { limit: parseLimit(flags.limit, 50) });
    ctx.out.result(page, () => page.items.length === 0 ? 'No edge has registered yet; `berth up` starts one, and `berth edge --join TOKEN` adds one on another host.' : renderTable(page.items, [
      { header: 'NAME', value: (e) => e.name },
      { header: 'ID', value: (e) => e.id },
      { header: 'REGION', value: (e) => e.region },
      { header: 'TRANSPORT', value: (e) => e.transport },
      { header: 'STATUS', value: (e) => e.status, paint: (text, e) => (e.status === 'live' ? ctx.out.style.green(text) : ctx.out.style.red(text)) },
      { header: 'APPLIED', value: (e) => `${e.appliedSeq}/${e.lastSeq}`, align: 'right' },
      { header: 'DEGRADED', value: (e) => e.degradedReason },
      { header: 'LAST SEEN', value: (e) => isoTime(e.lastSeenAt) },
    ], ctx.out.style));
  },
});
