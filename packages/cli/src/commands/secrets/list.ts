import type { Secret } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { renderTable } from '../../output/table.js';
import { relativeTime } from '../../output/time.js';
import { readPages } from '../pages.js';
import { secretTarget, secretTargetFlags, targetLabel } from './secret-args.js';

/** `berth secrets list`: names and times only; the API never sends a value, so none can be shown. */
export default defineCommand({
  path: ['secrets', 'list'],
  summary: 'List the secrets of an app\'s environment: names and times, never values',
  args: {},
  flags: secretTargetFlags,
  examples: ['berth secrets list --app shop', 'berth secrets list --app shop --env staging --json | jq -r \'.items[].name\''],
  async run(ctx, { flags }) {
    const target = secretTarget(flags, 'list');
    const page = await readPages<Secret>(ctx.client(), target.path, { limit: 200, all: true });
    const now = ctx.clock.now();
    ctx.out.result(page, () => {
      if (page.items.length === 0) return `No secrets for ${targetLabel(target)}. Set one with \`berth secrets set NAME=VALUE --app ${target.app}\`.`;
      return renderTable(page.items, [
        { header: 'NAME', value: (s) => s.name },
        { header: 'UPDATED', value: (s) => relativeTime(s.updatedAt, now) },
        { header: 'CREATED', value: (s) => relativeTime(s.createdAt, now) },
        { header: 'UPDATED BY', value: (s) => s.updatedBy },
      ], ctx.out.style);
    });
  },
});
