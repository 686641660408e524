import type { EnvironmentPolicy } from '../../api-types.js';
import { usageError } from '../../cli-error.js';
import type { CommandContext } from '../../command.js';
import { renderFields } from '../../output/table.js';
import { isoTime } from '../../output/time.js';

export const envFlags = {
  app: { type: 'string', value: 'APP', help: 'the app (required)' },
  env: { type: 'string', value: 'ENV', help: 'the environment (default production)' },
} as const;

export function environmentPath(flags: { app?: string; env?: string }, command: string): string {
  if (!flags.app) throw usageError(`Missing --app for \`berth ${command}\`.`, `For example \`berth ${command} --app shop\`.`);
  return `/api/apps/${encodeURIComponent(flags.app)}/environments/${encodeURIComponent(flags.env ?? 'production')}`;
}

/** An environment's promotion policy for people: frozen or not (why, by whom, since when), approval, gap policy. */
export function describePolicy(e: EnvironmentPolicy, ctx: CommandContext): string {
  return renderFields([
    ['environment', `${e.name} (${e.kind}, ${e.id})`],
    ['host', e.productionHost ?? '-'],
    ['deployment', e.deploymentId ?? '-'],
    ['promotions', e.frozen ? ctx.out.style.red(`frozen: ${e.frozenReason ?? ''} (by ${e.frozenBy ?? '?'} at ${isoTime(e.frozenAt ?? undefined)})`) : 'allowed'],
    ['approval', e.requireApproval ? 'required (an admin runs `berth promotions approve`)' : 'not required'],
    ['gap policy', e.gapPolicy === 'keep_last_owner' ? 'keep the last verified owner while an edge refetches its snapshot' : 'fail closed while an edge refetches its snapshot'],
  ], ctx.out.style);
}
