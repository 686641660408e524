import type { WakeStatus } from '../../api-types.js';
import { usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { renderFields } from '../../output/table.js';
import { isoTime } from '../../output/time.js';
import { summarizeEvidence } from '../../output/table.js';

const seconds = (ms: number) => `${Math.round(ms / 100) / 10}s`;

/**
 * `berth wake status --app APP [--env ENV]`: the "Stuck Wake" runbook as one command. It shows the
 * wake operation, the allocation it started (host, artifact pull, readiness probe), the secrets and
 * runtime bindings it needs (names only), the app's last output, the sleep state, and the one
 * repair to try next. Exit 1 when the latest wake failed.
 */
export default defineCommand({
  path: ['wake', 'status'],
  summary: 'Why an app is (not) awake: its wake, allocation attempt, pull, secrets, readiness output',
  args: {},
  flags: {
    app: { type: 'string', value: 'APP', help: 'the app (required)' },
    env: { type: 'string', value: 'ENV', help: 'the environment (default production)' },
  },
  examples: ['berth wake status --app shop', 'berth wake status --app shop --env preview-k3x9 --json'],
  async run(ctx, { flags }) {
    if (!flags.app) throw usageError('Missing --app for `berth wake status`.', 'For example `berth wake status --app shop`.');
    const s = await ctx.client().get<WakeStatus>(`/api/apps/${encodeURIComponent(flags.app)}/wake`, { env: flags.env ?? 'production' });
    const style = ctx.out.style;
    ctx.out.result(s, () => {
      const w = s.wake;
      const a = s.allocation;
      const lines = [
        renderFields([
          ['app', `${s.app} ${s.environment.name} (${s.environment.kind})`],
          ['routes', s.routeOwners.map((o) => `${o.hostname} → ${o.deploymentId ?? '-'} @${o.epoch}`).join(', ') || '-'],
          ['sleep', `${s.sleep.state}${s.sleep.sleepingSince ? ` since ${isoTime(s.sleep.sleepingSince)}` : ''}; last request ${isoTime(s.sleep.lastActivityAt)}; min ${s.sleep.scale.min}, sleep after ${seconds(s.sleep.scale.sleepAfterMs)}, wake budget ${seconds(s.sleep.scale.wakeBudgetMs)}`],
          ['wake', w ? `${w.id} ${w.state}${w.failureMode ? ` (${w.failureMode})` : ''}${w.reason ? `: ${w.reason}` : ''}` : 'none yet'],
          ['allocation', a ? `${a.id} ${a.state} on ${a.hostName ?? a.hostId}${a.address ? ` at ${a.address.host}:${a.address.port}` : ''}${a.reason ? `: ${a.reason}` : ''}` : 'none started'],
          ['artifact', `${s.artifact.digest ?? '-'}${a && a.pull.length > 0 ? ` (${a.pull.map((p) => p.sentence).join(' ')})` : ''}`],
          ['secrets', s.secrets.length === 0 ? 'none required' : s.secrets.map((x) => `${x.name} ${x.set ? style.green('set') : style.red('missing')}`).join(', ')],
          ['bindings', s.bindings.length === 0 ? 'none' : s.bindings.map((b) => `${b.name} (${b.kind}, secret ${b.secret}) ${b.set ? style.green('set') : style.red('missing')}`).join(', ')],
          ['readiness', `${s.readiness.path}: ${s.readiness.health ? `${s.readiness.health.status} ${summarizeEvidence(s.readiness.health.evidence)}` : 'not probed yet'}`],
        ], style),
      ];
      if (s.readiness.lastLogs.length > 0) lines.push('', style.bold('last output:'), ...s.readiness.lastLogs.map((l) => `  ${style.dim(isoTime(l.at))} ${l.stream === 'stderr' ? style.red(l.text) : l.text}`));
      lines.push('', `${style.bold('repair:')} ${s.repair}`);
      return lines.join('\n');
    });
    return s.wake?.state === 'failed' ? 1 : 0;
  },
});
