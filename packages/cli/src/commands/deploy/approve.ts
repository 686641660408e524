import type { Deployment } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { deploymentPath, readHistory } from './follow.js';
import { detachFlag, trackDeployment } from './track.js';

/**
 * `berth deploy approve ID`: lifts a block that needs a person's approval (a cold deploy, or a
 * migration that holds the preview), recorded with the reason, then follows the deploy. The API
 * refuses approval for any other block and says what to fix instead.
 */
export default defineCommand({
  path: ['deploy', 'approve'],
  summary: 'Approve a deploy blocked for approval (cold deploy, migration) and follow it',
  args: { id: 'the blocked deployment\'s id (dep_...)' },
  flags: {
    reason: { type: 'string', value: 'R', help: 'why it is safe, kept in the deploy\'s timeline' },
    detach: detachFlag,
  },
  examples: ['berth deploy approve dep_01J... --reason "sessions may restart; announced in #ops"'],
  handlesSignals: true,
  async run(ctx, { args, flags }) {
    const client = ctx.client();
    const after = (await readHistory(client, await client.get<Deployment>(deploymentPath(args.id)))).position;
    const d = await client.post<Deployment>(`${deploymentPath(args.id)}/approve`, flags.reason === undefined ? {} : { reason: flags.reason });
    return trackDeployment(ctx, client, d, { detach: flags.detach === true, after, headline: `Approved ${d.id}: validating it again.` });
  },
});
