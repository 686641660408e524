import type { ApiClient } from '../../api-client.js';
import type { Deployment } from '../../api-types.js';
import type { CommandContext } from '../../command.js';
import { ExitCode, type ExitCodeValue } from '../../exit-codes.js';
import { followDeployment, type FollowOptions } from './follow.js';
import { reportOutcome } from './outcome.js';

/**
 * What every deploy command does once the server has the deploy: with --detach, print its id and
 * leave (stdout holds the id alone, so `id=$(berth deploy --detach ...)` works); otherwise follow
 * it live and report how it came out.
 */
export const detachFlag = { type: 'boolean', help: 'print the deployment id and exit without following it' } as const;

export async function trackDeployment(ctx: CommandContext, client: ApiClient, d: Deployment, options: FollowOptions & { detach?: boolean; headline: string }): Promise<ExitCodeValue> {
  if (options.detach) {
    ctx.out.result(d, () => d.id);
    if (!ctx.json) ctx.out.note(`${options.headline} Follow it with \`berth deploy watch ${d.id}\`.`);
    return ExitCode.ok;
  }
  ctx.out.line(`${options.headline} ${ctx.out.style.dim('(Ctrl-C stops following; the deploy goes on.)')}`);
  const final = await followDeployment(ctx, client, d, options);
  return reportOutcome(ctx, final);
}
