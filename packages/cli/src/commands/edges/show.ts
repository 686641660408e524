import type { EdgeRecord } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { renderFields, renderTable } from '../../output/table.js';
import { isoTime } from '../../output/time.js';

/** `berth edges show EDGE`: one edge and its latest propagation incidents (gaps, bad signatures). */
export default defineCommand({
  path: ['edges', 'show'],
  summary: 'Show an edge and its latest propagation incidents (platform admin)',
  args: { edge: 'the edge\'s name or id (edge_...)' },
  flags: {},
  examples: ['berth edges show local'],
  async run(ctx, { args }) {
    const e = await ctx.client().get<EdgeRecord>(`/api/edges/${encodeURIComponent(args.edge)}`);
    ctx.out.result(e, () => {
      const fields = renderFields([
        ['edge', `${e.name} (${e.id})`], ['region', e.region], ['transport', e.transport], ['status', e.status],
        ['applied', `${e.appliedSeq} of ${e.lastSeq}`], ['degraded', e.degradedReason ?? 'no'], ['last seen', isoTime(e.lastSeenAt)],
      ], ctx.out.style);
      const incidents = e.incidents ?? [];
      return incidents.length === 0 ? `${fields}\n\nNo propagation incident.` : `${fields}\n\n${renderTable(incidents, [
        { header: 'AT', value: (i) => isoTime(i.at) },
        { header: 'KIND', value: (i) => i.kind },
        { header: 'EXPECTED', value: (i) => i.expectedSeq, align: 'right' },
        { header: 'GOT', value: (i) => i.gotSeq, align: 'right' },
        { header: 'RESOLVED', value: (i) => (i.resolvedAt ? isoTime(i.resolvedAt) : 'open') },
        { header: 'DETAIL', value: (i) => i.detail },
      ], ctx.out.style)}`;
    });
  },
});
