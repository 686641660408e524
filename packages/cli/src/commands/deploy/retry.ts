import type { Deployment } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { deploymentPath, readHistory } from './follow.js';
import { detachFlag, trackDeployment } from './track.js';

/**
 * `berth deploy retry ID`: sends a blocked deploy through validation again, once its cause is
 * fixed (a secret set, generated files committed), then follows what happens next.
 */
export default defineCommand({
  path: ['deploy', 'retry'],
  summary: 'Validate a blocked deploy again once its cause is fixed, and follow it',
  args: { id: 'the blocked deployment\'s id (dep_...)' },
  flags: { detach: detachFlag },
  examples: ['berth secrets set DATABASE_URL=... --app shop && berth deploy retry dep_01J...'],
  handlesSignals: true,
  async run(ctx, { args, flags }) {
    const client = ctx.client();
    // Where the stream stands before the retry: what follows it is the news worth showing.
    const after = (await readHistory(client, await client.get<Deployment>(deploymentPath(args.id)))).position;
    const d = await client.post<Deployment>(`${deploymentPath(args.id)}/retry`, {});
    return trackDeployment(ctx, client, d, { detach: flags.detach === true, after, headline: `Retrying ${d.id}: validating it again.` });
  },
});
