import type { Host } from '../../api-types.js';
import { defineCommand, parseLimit } from '../../command.js';
import { renderTable } from '../../output/table.js';
import { relativeTime } from '../../output/time.js';
import { formatBytes } from '../allocs/format.js';
import { moreHint, readPages } from '../pages.js';
import { paintStatus, yesNo } from './format.js';

/** `berth hosts list`: every host by name, with whether it takes work and when it last spoke. */
export default defineCommand({
  path: ['hosts', 'list'],
  summary: 'List hosts: status, connection, capacity, last heartbeat (platform admin)',
  args: {},
  flags: {
    limit: { type: 'string', value: 'N', help: 'how many per page, 1 to 200 (default 50)' },
    all: { type: 'boolean', help: 'follow the pages to the end' },
  },
  examples: ['berth hosts list', 'berth hosts list --all --json | jq -r \'.items[] | select(.status == "offline") | .name\''],
  async run(ctx, { flags }) {
    const page = await readPages<Host>(ctx.client(), '/api/hosts', { limit: parseLimit(flags.limit, 50), all: flags.all === true });
    const now = ctx.clock.now();
    const style = ctx.out.style;
    ctx.out.result(page, () => {
      if (page.items.length === 0) return 'No hosts yet. Start a runner with `berth runner --join "$(berth runners join-token)"`.';
      const table = renderTable(page.items, [
        { header: 'NAME', value: (h) => h.name },
        { header: 'STATUS', value: (h) => h.status, paint: (text, h) => paintStatus(style, h.status) },
        { header: 'CONNECTED', value: (h) => yesNo(h.connected) },
        { header: 'REGION', value: (h) => h.region },
        { header: 'CPUS', value: (h) => h.capacity.cpus, align: 'right' },
        { header: 'MEMORY', value: (h) => formatBytes(h.capacity.memoryBytes), align: 'right' },
        { header: 'RUNNER', value: (h) => h.runnerVersion },
        { header: 'HEARTBEAT', value: (h) => relativeTime(h.lastHeartbeatAt, now) },
      ], style);
      return table + moreHint(page, 'berth hosts list');
    });
  },
});
