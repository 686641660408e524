import type { Operation } from '../../api-types.js';
import { defineCommand, parseLimit } from '../../command.js';
import { styleState } from '../../output/style.js';
import { renderTable } from '../../output/table.js';
import { relativeTime } from '../../output/time.js';
import { moreHint, readPages } from '../pages.js';

/** `berth ops list`: recent operations, newest first, filtered by kind, state or subject. */
export default defineCommand({
  path: ['ops', 'list'],
  summary: 'List operations, newest first',
  args: {},
  flags: {
    kind: { type: 'string', value: 'K', help: 'only this kind: deploy, promotion, wake, allocation, host_drain, region_enablement, database_migration' },
    state: { type: 'string', value: 'S', help: 'only operations in this state, e.g. blocked' },
    subject: { type: 'string', value: 'ID', help: 'only operations on this subject id, e.g. an app id' },
    limit: { type: 'string', value: 'N', help: 'how many per page, 1 to 200 (default 50)' },
    all: { type: 'boolean', help: 'follow the pages to the end' },
  },
  examples: ['berth ops list', 'berth ops list --state blocked', 'berth ops list --kind deploy --subject app_01J... --json'],
  async run(ctx, { flags }) {
    const query = { kind: flags.kind, state: flags.state, subject: flags.subject };
    const page = await readPages<Operation>(ctx.client(), '/api/operations', { limit: parseLimit(flags.limit, 50), all: flags.all === true, query });
    const now = ctx.clock.now();
    const style = ctx.out.style;
    ctx.out.result(page, () => {
      if (page.items.length === 0) return 'No operations match.';
      const table = renderTable(page.items, [
        { header: 'ID', value: (op) => op.id },
        { header: 'KIND', value: (op) => op.kind },
        { header: 'SUBJECT', value: (op) => `${op.subject.type} ${op.subject.id}` },
        { header: 'STATE', value: (op) => op.state, paint: (text, op) => styleState(style, text, op.role) },
        { header: 'FAILURE MODE', value: (op) => op.failureMode },
        { header: 'UPDATED', value: (op) => relativeTime(op.updatedAt, now) },
      ], style);
      return table + moreHint(page, 'berth ops list');
    });
  },
});
