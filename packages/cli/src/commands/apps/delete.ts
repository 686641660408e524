import type { App } from '../../api-types.js';
import { CliError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { ExitCode } from '../../exit-codes.js';

/**
 * `berth apps delete NAME`: deleting an app takes its environments with it, so it needs --yes, or
 * on a terminal the app's name typed back. Without a terminal and without --yes it refuses rather
 * than guess what a script meant.
 */
export default defineCommand({
  path: ['apps', 'delete'],
  summary: 'Delete an app and its environments',
  args: { app: 'the app\'s name or id (app_...)' },
  flags: {
    yes: { type: 'boolean', help: 'do not ask for confirmation (needed when stdin is not a terminal)' },
  },
  examples: ['berth apps delete shop', 'berth apps delete shop --yes'],
  async run(ctx, { args, flags }) {
    const client = ctx.client();
    // Read it first: a missing app is "not found" (exit 4) before anyone is asked to confirm.
    const app = await client.get<App>(`/api/apps/${encodeURIComponent(args.app)}`);
    if (!flags.yes) {
      if (!ctx.terminal.stdinIsTTY) {
        throw new CliError('confirmation_required', `Deleting app ${app.name} needs confirmation, and stdin is not a terminal to ask on.`, { exitCode: ExitCode.usage, suggestion: `Pass --yes: \`berth apps delete ${app.name} --yes\`.` });
      }
      const typed = (await ctx.terminal.ask(`This deletes app ${app.name} (${app.id}) and its environments. Type its name to confirm: `)).trim();
      if (typed !== app.name) {
        throw new CliError('not_confirmed', `"${typed}" is not "${app.name}"; nothing was deleted.`, { exitCode: ExitCode.usage, suggestion: 'Type the app\'s name exactly, or pass --yes.' });
      }
    }
    await client.delete(`/api/apps/${encodeURIComponent(app.id)}`);
    ctx.out.result({ deleted: { id: app.id, name: app.name } }, () => `Deleted app ${app.name} (${app.id}).`);
  },
});
