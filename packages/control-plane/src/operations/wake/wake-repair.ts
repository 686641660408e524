import type { WakeStatus } from './wake-status.js';
import { readinessHint } from './wake-failure.js';
import { nothingToWake, type WakeTarget } from './wake-target.js';

/**
 * The one action the app's owner should take next, from the first thing the runbook finds wrong:
 * nothing to wake, a missing secret, a crash loop, a failed wake (its reason already says what to
 * do), a wake still in flight, a failed attempt, an unset runtime binding (sessions cannot resume
 * without it, but the app wakes), or nothing at all.
 */
export function repairHint(target: WakeTarget, status: Omit<WakeStatus, 'repair'>): string {
  const scope = `--app ${target.appName} --env ${target.environmentName}`;
  const nothing = nothingToWake(target);
  if (nothing) return nothing;
  const missing = status.secrets.filter((s) => !s.set).map((s) => s.name);
  if (missing.length > 0) return `Set the missing secret${missing.length === 1 ? '' : 's'} ${missing.join(', ')} with \`berth secrets set ${missing.map((n) => `${n}=...`).join(' ')} ${scope}\`; the next request wakes the app with them.`;
  if (status.sleep.runStatus === 'crashloop') return `The app is in crashloop (${status.sleep.runStatusReason ?? 'repeated failures'}): fix it and deploy again, or \`berth scale ${scope} --count 1\` to try once more.`;
  const wake = status.wake;
  if (wake?.state === 'failed') return wake.reason ?? readinessHint(target);
  if (wake && ['cold', 'wake_requested', 'starting', 'readiness_wait'].includes(wake.state)) {
    return `A wake is under way (${wake.state}) and has until ${wake.deadlineAt ?? 'its deadline'} to pass readiness; requests attach to it. If it does not: ${readinessHint(target)}`;
  }
  if (status.allocation && status.allocation.state === 'failed' && wake?.state !== 'hot') {
    return `Allocation ${status.allocation.id} failed${status.allocation.reason ? `: ${status.allocation.reason}` : ''}. ${readinessHint(target)}`;
  }
  const unbound = status.bindings.filter((b) => !b.set);
  if (unbound.length > 0) return `Bind the ${unbound.map((b) => `${b.kind} "${b.name}"`).join(', ')} with \`berth secrets set ${unbound.map((b) => `${b.secret}=<connection string>`).join(' ')} ${scope}\`; without it sessions start fresh instead of resuming.`;
  if (wake?.state === 'hot') return 'Nothing to repair: the app is hot and serving.';
  if (status.sleep.state === 'sleeping') return 'Nothing to repair: the app sleeps, and the next request that may wake it does.';
  return 'Nothing to repair: the app is awake.';
}
