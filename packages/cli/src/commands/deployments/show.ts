import type { BuildLogChunk, Deployment, Page } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { stateWithRole } from '../ops/format.js';
import { deploymentPath } from '../deploy/follow.js';
import { nextCommands } from '../deploy/outcome.js';
import { renderFields } from '../../output/table.js';
import { isoAndRelative, isoTime } from '../../output/time.js';
import { deploymentGatesTable } from './gates-table.js';

/**
 * `berth deployments show ID`: one deploy in full: where it stands and why, its source, digest
 * and commit, its preview, its gates with the evidence a person acts on, and (with --logs) its
 * build output. A blocked deploy also lists the commands that move it on.
 */
export default defineCommand({
  path: ['deployments', 'show'],
  summary: 'Show a deployment: state, source, digest, preview, gates; --logs adds the build output',
  args: { id: 'the deployment\'s id (dep_...)' },
  flags: { logs: { type: 'boolean', help: 'also print the build output' } },
  examples: ['berth deployments show dep_01J...', 'berth deployments show dep_01J... --logs', 'berth deployments show dep_01J... --json | jq .gates'],
  async run(ctx, { args, flags }) {
    const client = ctx.client();
    const d = await client.get<Deployment>(deploymentPath(args.id));
    const logs = flags.logs ? (await client.get<Page<BuildLogChunk>>(`${deploymentPath(args.id)}/logs`)).items : undefined;
    const now = ctx.clock.now();
    const style = ctx.out.style;
    const source = d.source.kind === 'git' ? `git ${d.source.url} at ${d.source.ref}` : `upload ${d.source.digest ?? ''}`;
    ctx.out.result(logs ? { ...d, logs } : d, () => {
      const sections = [
        renderFields(
          [
            ['id', d.id],
            ['app', d.app],
            ['environment', d.environment],
            ['state', stateWithRole(d, style)],
            ['failure mode', d.failureMode],
            ['reason', d.reason],
            ['source', source],
            ['commit', d.commit],
            ['digest', d.digest],
            ['preview', d.previewUrl],
            ['operation', d.operationId],
            ['created', isoAndRelative(d.createdAt, now)],
            ['updated', isoTime(d.updatedAt)],
          ],
          style,
        ),
        '',
        style.bold('Gates'),
        deploymentGatesTable(d, style),
      ];
      if (d.state === 'blocked') sections.push('', style.bold('Next'), ...nextCommands(d).map((command) => `  ${command}`));
      if (logs) sections.push('', style.bold('Build output'), logs.length === 0 ? style.dim('(none)') : logs.map((c) => c.text).join('').replace(/\n$/, ''));
      return sections.join('\n');
    });
  },
});
