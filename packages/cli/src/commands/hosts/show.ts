import type { Host } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { renderFields } from '../../output/table.js';
import { isoAndRelative } from '../../output/time.js';
import { formatBytes } from '../allocs/format.js';
import { hostPath, labelsLine, paintStatus, yesNo } from './format.js';

/** `berth hosts show HOST`: one host (name or id) with its capacity and labels. */
export default defineCommand({
  path: ['hosts', 'show'],
  summary: 'Show a host: status, capacity, runner version, labels (platform admin)',
  args: { host: 'the host\'s name or id (host_...)' },
  flags: {},
  examples: ['berth hosts show web-1', 'berth hosts show web-1 --json | jq .labels'],
  async run(ctx, { args }) {
    const host = await ctx.client().get<Host>(hostPath(args.host));
    const now = ctx.clock.now();
    const style = ctx.out.style;
    ctx.out.result(host, () =>
      renderFields(
        [
          ['name', host.name],
          ['id', host.id],
          ['status', paintStatus(style, host.status)],
          // Cordoned is kept apart from status: an offline host an operator cordoned stays cordoned when it returns.
          ['cordoned', yesNo(host.cordoned)],
          ['connected', yesNo(host.connected)],
          ['region', host.region],
          ['cpus', host.capacity.cpus],
          ['memory', formatBytes(host.capacity.memoryBytes)],
          ['runner version', host.runnerVersion],
          ['last heartbeat', isoAndRelative(host.lastHeartbeatAt, now)],
          ['created', isoAndRelative(host.createdAt, now)],
          ['labels', labelsLine(host.labels)],
        ],
        style,
      ),
    );
  },
});
