import { usageError } from '../../cli-error.js';
import type { Secret } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { parseAssignments, secretTarget, secretTargetFlags, targetLabel, valueFromStdin } from './secret-args.js';

/**
 * `berth secrets set NAME=VALUE...`: sets several secrets in one transaction (the PATCH endpoint:
 * all land or none does). Values are never printed, only `set NAME` lines. `--from-stdin NAME`
 * reads one value from stdin (asked without echo on a terminal), so it stays out of the shell's
 * history and out of `ps`.
 */
export default defineCommand({
  path: ['secrets', 'set'],
  summary: 'Set secrets of an app\'s environment (values are never shown again)',
  args: {},
  rest: { name: 'NAME=VALUE', help: 'a secret to create or replace; several at once land together' },
  flags: {
    ...secretTargetFlags,
    'from-stdin': { type: 'string', value: 'NAME', help: 'read the value of NAME from stdin (without echo on a terminal)' },
  },
  examples: [
    'berth secrets set DATABASE_URL=postgres://... STRIPE_WEBHOOK_SECRET=whsec_... --app shop',
    'berth secrets set --from-stdin DATABASE_URL --app shop < database-url.txt',
    'berth secrets set LOG_LEVEL=debug --app shop --env staging',
  ],
  async run(ctx, { flags, rest }) {
    const target = secretTarget(flags, 'set');
    const values = parseAssignments(rest);
    const fromStdin = flags['from-stdin'];
    if (fromStdin !== undefined) {
      if (values.has(fromStdin)) throw usageError(`${fromStdin} is given both as NAME=VALUE and with --from-stdin.`, 'Give it once.');
      const value = ctx.terminal.stdinIsTTY ? await ctx.terminal.ask(`Value of ${fromStdin}: `, { hidden: true }) : valueFromStdin(await ctx.terminal.readStdin());
      if (value === '') throw usageError(`No value for ${fromStdin} on stdin.`, `Pipe it in: \`berth secrets set --from-stdin ${fromStdin} --app ${target.app} < file\`.`);
      values.set(fromStdin, value);
    }
    if (values.size === 0) throw usageError('Nothing to set.', 'Give NAME=VALUE arguments, or --from-stdin NAME.');
    const answer = await ctx.client().patch<{ set: Secret[]; unset: string[] }>(target.path, { set: Object.fromEntries(values) });
    ctx.out.result(answer, () => [...answer.set.map((s) => `set ${s.name}`), ctx.out.style.dim(`for ${targetLabel(target)}; new deploys get them (a blocked one: \`berth deploy retry ID\`).`)].join('\n'));
  },
});
