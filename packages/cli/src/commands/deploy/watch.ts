import type { Deployment } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { deploymentPath, readHistory } from './follow.js';
import { trackDeployment } from './track.js';

/**
 * `berth deploy watch ID`: follows a deploy that is already running (or replays one that ended),
 * from its first event, the same way `berth deploy` does; one resting in blocked is reported at
 * once, with the commands that move it on.
 */
export default defineCommand({
  path: ['deploy', 'watch'],
  summary: 'Follow a deploy live until its preview is ready, it fails, or it is blocked',
  args: { id: 'the deployment\'s id (dep_...)' },
  flags: {},
  examples: ['berth deploy watch dep_01J...', 'berth deploy watch dep_01J... --json | jq -r .previewUrl'],
  handlesSignals: true,
  async run(ctx, { args }) {
    const client = ctx.client();
    const d = await client.get<Deployment>(deploymentPath(args.id));
    // The history so far is read once and shown in order; the stream then carries on from its end.
    const history = await readHistory(client, d);
    return trackDeployment(ctx, client, d, { history, headline: `Following ${d.id}: ${d.app} to ${d.environment}, now ${d.state}.` });
  },
});
