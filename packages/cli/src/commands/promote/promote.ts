import type { Promotion } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { ExitCode } from '../../exit-codes.js';
import { followPromotion } from './follow-promotion.js';

/**
 * `berth promote DEPLOYMENT`: points production at the exact artifact the deployment's preview
 * serves (never a rebuild), by compare-and-swap on the route epoch, and blocks until every edge
 * applied it (healthy) or the promotion rolled back or failed, saying which.
 */
export default defineCommand({
  path: ['promote'],
  summary: 'Promote a deployment\'s exact artifact to production; wait until healthy or failed',
  args: { deployment: 'the deployment to promote (dep_... or its short id)' },
  flags: {
    detach: { type: 'boolean', help: 'print the promotion and exit without waiting for it' },
  },
  examples: ['berth promote dep_01J...', 'berth promote dep_01J... --json | jq .epoch'],
  handlesSignals: true,
  async run(ctx, { args, flags }) {
    const client = ctx.client();
    const started = await client.post<Promotion>(`/api/deployments/${encodeURIComponent(args.deployment)}/promote`, {}, { idempotencyKey: `promote-${args.deployment}-${ctx.clock.now()}` });
    if (flags.detach) {
      ctx.out.result(started, () => `Promotion ${started.id} started; follow it with \`berth ops watch ${started.id}\`.`);
      return ExitCode.ok;
    }
    return followPromotion(ctx, client, started, 'Promoting');
  },
});
