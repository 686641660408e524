import type { Promotion } from '../../api-types.js';
import { usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { ExitCode } from '../../exit-codes.js';
import { followPromotion } from './follow-promotion.js';

/**
 * `berth rollback --app APP [--to DEPLOYMENT]`: a promotion of an earlier deployment's digest,
 * never a rebuild; by default the deployment production served before the current one. Refused,
 * with the migrations that make it unsafe, when the earlier artifact cannot run on the schema the
 * database has now.
 */
export default defineCommand({
  path: ['rollback'],
  summary: 'Point production back at an earlier deployment\'s artifact (no rebuild)',
  args: {},
  flags: {
    app: { type: 'string', value: 'APP', help: 'the app (required)' },
    to: { type: 'string', value: 'DEPLOYMENT', help: 'the deployment to roll back to (default: the one production served before the current one)' },
    detach: { type: 'boolean', help: 'print the rollback and exit without waiting for it' },
  },
  examples: ['berth rollback --app shop', 'berth rollback --app shop --to dep_01J...', 'berth rollback --app shop --json'],
  handlesSignals: true,
  async run(ctx, { flags }) {
    if (!flags.app) throw usageError('Missing --app for `berth rollback`.', 'For example `berth rollback --app shop`.');
    const client = ctx.client();
    const started = await client.post<Promotion>(`/api/apps/${encodeURIComponent(flags.app)}/rollback`, flags.to ? { to: flags.to } : {}, { idempotencyKey: `rollback-${flags.app}-${flags.to ?? 'previous'}-${ctx.clock.now()}` });
    if (flags.detach) {
      ctx.out.result(started, () => `Rollback ${started.id} started; follow it with \`berth ops watch ${started.id}\`.`);
      return ExitCode.ok;
    }
    return followPromotion(ctx, client, started, 'Rolling back to');
  },
});
