import type { EnvironmentPolicy } from '../../api-types.js';
import { usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { describePolicy, envFlags, environmentPath } from './env-policy.js';

function onOff(raw: string): boolean {
  if (raw === 'on' || raw === 'true') return true;
  if (raw === 'off' || raw === 'false') return false;
  throw usageError(`--require-approval takes on or off: got "${raw}".`, 'For example --require-approval on.');
}

/** `berth env set --app APP [--require-approval on|off] [--gap-policy fail_closed|keep_last_owner]`. */
export default defineCommand({
  path: ['env', 'set'],
  summary: 'Set an environment\'s promotion policy: required approval, edge gap policy',
  args: {},
  flags: {
    ...envFlags,
    'require-approval': { type: 'string', value: 'on|off', help: 'promotions wait for an admin\'s approval' },
    'gap-policy': { type: 'string', value: 'POLICY', help: 'fail_closed (default) or keep_last_owner: what edges do for its routes after a feed gap (edges apply a change at once, in sequence)' },
  },
  examples: ['berth env set --app shop --require-approval on', 'berth env set --app shop --gap-policy keep_last_owner'],
  async run(ctx, { flags }) {
    const path = environmentPath(flags, 'env set');
    const body: { requireApproval?: boolean; gapPolicy?: string } = {};
    if (flags['require-approval'] !== undefined) body.requireApproval = onOff(flags['require-approval']);
    if (flags['gap-policy'] !== undefined) {
      if (!['fail_closed', 'keep_last_owner'].includes(flags['gap-policy'])) throw usageError(`--gap-policy takes fail_closed or keep_last_owner: got "${flags['gap-policy']}".`, 'fail_closed answers 503 for the routes until a fresh snapshot; keep_last_owner keeps serving the last verified owner.');
      body.gapPolicy = flags['gap-policy'];
    }
    if (Object.keys(body).length === 0) throw usageError('Nothing to set.', 'Give --require-approval on|off or --gap-policy fail_closed|keep_last_owner.');
    const e = await ctx.client().patch<EnvironmentPolicy>(path, body);
    ctx.out.result(e, () => describePolicy(e, ctx));
  },
});
