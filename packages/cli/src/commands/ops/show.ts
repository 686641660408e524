import { machineFor } from '@berth/core';
import type { Operation } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { renderFields } from '../../output/table.js';
import { isoAndRelative, isoTime } from '../../output/time.js';
import { gatesTable, stateWithRole, timelineTable } from './format.js';

/**
 * `berth ops show ID`: everything a person needs to act on an operation: where it stands and why
 * (state, role, failure mode, reason), its gates with their evidence, and its whole timeline.
 */
export default defineCommand({
  path: ['ops', 'show'],
  summary: 'Show an operation: state, gates with evidence, and its timeline',
  args: { id: 'the operation\'s id (op_...)' },
  flags: {},
  examples: ['berth ops show op_01J...', 'berth ops show op_01J... --json | jq .gates'],
  async run(ctx, { args }) {
    const op = await ctx.client().get<Operation>(`/api/operations/${encodeURIComponent(args.id)}`);
    const now = ctx.clock.now();
    const style = ctx.out.style;
    const title = machineFor(op.kind)?.title;
    ctx.out.result(op, () =>
      [
        renderFields(
          [
            ['id', op.id],
            ['kind', title ? `${op.kind} (${title})` : op.kind],
            ['subject', `${op.subject.type} ${op.subject.id}`],
            ['state', `${stateWithRole(op, style)}${op.stateDescription ? `: ${op.stateDescription}` : ''}`],
            ['failure mode', op.failureMode],
            ['reason', op.reason],
            ['attempts', op.attempts],
            ['created', isoAndRelative(op.createdAt, now)],
            ['updated', isoTime(op.updatedAt)],
            ['finished', isoTime(op.finishedAt)],
          ],
          style,
        ),
        '',
        style.bold('Gates'),
        gatesTable(op, style),
        '',
        style.bold('Timeline'),
        timelineTable(op.timeline ?? [], style),
      ].join('\n'),
    );
  },
});
