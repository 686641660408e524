import { randomUUID } from 'node:crypto';
import type { App } from '../../api-types.js';
import { defineCommand } from '../../command.js';

/**
 * `berth apps create NAME`. The request carries an Idempotency-Key made once per invocation, so
 * the client's retry after a dropped connection gets the first answer instead of a name_taken.
 */
export default defineCommand({
  path: ['apps', 'create'],
  summary: 'Create an app and its production environment',
  args: { name: 'the app\'s name: lowercase letters, digits and single hyphens; global, as it names hostnames' },
  flags: {},
  examples: ['berth apps create shop'],
  async run(ctx, { args }) {
    const app = await ctx.client().post<App>('/api/apps', { name: args.name }, { idempotencyKey: `cli-${randomUUID()}` });
    const envs = (app.environments ?? []).map((env) => env.name).join(', ') || 'none';
    ctx.out.result(app, () => `Created app ${app.name} (${app.id}) with environments: ${envs}.`);
  },
});
