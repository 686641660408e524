import type { Secret } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { secretTarget, secretTargetFlags, targetLabel } from './secret-args.js';

/** `berth secrets unset NAME...`: removes secrets in one transaction; a name that was not set is said so. */
export default defineCommand({
  path: ['secrets', 'unset'],
  summary: 'Remove secrets from an app\'s environment',
  args: {},
  rest: { name: 'NAME', help: 'a secret to remove', min: 1 },
  flags: secretTargetFlags,
  examples: ['berth secrets unset LEGACY_TOKEN OLD_KEY --app shop'],
  async run(ctx, { flags, rest }) {
    const target = secretTarget(flags, 'unset');
    const names = [...new Set(rest)];
    const answer = await ctx.client().patch<{ set: Secret[]; unset: string[] }>(target.path, { unset: names });
    const removed = new Set(answer.unset);
    ctx.out.result(answer, () => names.map((name) => (removed.has(name) ? `unset ${name}` : `${name} was not set for ${targetLabel(target)}`)).join('\n'));
  },
});
