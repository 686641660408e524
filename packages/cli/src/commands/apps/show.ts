import type { App } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { renderFields, renderTable } from '../../output/table.js';
import { isoAndRelative, isoTime } from '../../output/time.js';

/** `berth apps show NAME`: one app (by name or id) with its environments. */
export default defineCommand({
  path: ['apps', 'show'],
  summary: 'Show an app and its environments',
  args: { app: 'the app\'s name or id (app_...)' },
  flags: {},
  examples: ['berth apps show shop'],
  async run(ctx, { args }) {
    const app = await ctx.client().get<App>(`/api/apps/${encodeURIComponent(args.app)}`);
    const now = ctx.clock.now();
    const style = ctx.out.style;
    ctx.out.result(app, () => {
      const envs = app.environments ?? [];
      return [
        renderFields([['name', app.name], ['id', app.id], ['created', isoAndRelative(app.createdAt, now)]], style),
        '',
        envs.length === 0
          ? 'No environments.'
          : renderTable(envs, [
              { header: 'ENVIRONMENT', value: (env) => env.name },
              { header: 'KIND', value: (env) => env.kind },
              { header: 'RUNS', value: (env) => (env.deploymentId ? `${env.desiredCount ?? 0} × ${env.deploymentId}` : '-') },
              { header: 'STATUS', value: (env) => (env.runStatus === 'crashloop' ? 'crashloop' : env.runStatusReason ? 'waiting' : env.deploymentId ? 'running' : '-') },
              { header: 'ID', value: (env) => env.id },
              { header: 'CREATED', value: (env) => isoTime(env.createdAt) },
            ], style),
        ...envs.filter((env) => env.runStatusReason).map((env) => `${env.name}: ${env.runStatusReason}`),
      ].join('\n');
    });
  },
});
