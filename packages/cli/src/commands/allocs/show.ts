import type { Allocation } from '../../api-types.js';
import { CliError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { renderFields } from '../../output/table.js';
import { isoAndRelative, isoTime } from '../../output/time.js';
import { stateWithRole, timelineTable } from '../ops/format.js';
import { addressCell, cpuCell, formatBytes } from './format.js';

/**
 * `berth allocs show ID`: one allocation: where it runs, what it runs, how it is doing, and its
 * lifecycle timeline (its operation's events), printed the way `berth ops show` prints one.
 */
export default defineCommand({
  path: ['allocs', 'show'],
  summary: 'Show an allocation: state, host, address, stats, and its timeline',
  args: { id: 'the allocation\'s id (alloc_...)' },
  flags: {},
  examples: ['berth allocs show alloc_01J...', 'berth allocs show alloc_01J... --json | jq .timeline'],
  async run(ctx, { args }) {
    const a = await ctx.client().get<Allocation>(`/api/allocations/${encodeURIComponent(args.id)}`).catch((error: unknown) => {
      // The API's hint is generic ("list commands show what exists"); name the one that does.
      if (error instanceof CliError && error.code === 'not_found') {
        throw new CliError(error.code, error.message, { exitCode: error.exitCode, ...(error.status !== undefined ? { status: error.status } : {}), suggestion: 'Run `berth allocs list --app APP --all` to see an app\'s allocations.' });
      }
      throw error;
    });
    const now = ctx.clock.now();
    const style = ctx.out.style;
    ctx.out.result(a, () =>
      [
        renderFields(
          [
            ['id', a.id],
            ['state', stateWithRole(a, style)],
            ['failure mode', a.failureMode],
            ['reason', a.reason],
            ['host', a.hostId],
            ['address', addressCell(a)],
            ['environment', a.environmentId],
            ['deployment', a.deploymentId],
            ['digest', a.digest],
            ['cpu', cpuCell(a)],
            ['memory', a.stats ? formatBytes(a.stats.memoryBytes) : null],
            ['memory limit', formatBytes(a.memoryBytes)],
            ['stats at', isoTime(a.stats?.at)],
            ['operation', a.operationId],
            ['created', isoAndRelative(a.createdAt, now)],
          ],
          style,
        ),
        '',
        style.bold('Timeline'),
        timelineTable(a.timeline ?? [], style),
      ].join('\n'),
    );
  },
});
