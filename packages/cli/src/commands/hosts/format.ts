import type { Host } from '../../api-types.js';
import type { Style } from '../../output/style.js';

/**
 * Words for hosts shared by the `hosts` verbs. Hosts serve every organization, so the API shows
 * them to platform admins only (an admin token of the first organization); others get exit 3.
 */

/** ready green, cordoned yellow (an operator's choice), offline red (its runner went silent). */
export function paintStatus(style: Style, status: Host['status']): string {
  return status === 'ready' ? style.green(status) : status === 'cordoned' ? style.yellow(status) : style.red(status);
}

export function yesNo(value: boolean | undefined): string | null {
  return value === undefined ? null : value ? 'yes' : 'no';
}

export function hostPath(host: string): string {
  return `/api/hosts/${encodeURIComponent(host)}`;
}

/** `disk=ssd, zone=a`, sorted so two hosts with the same labels read the same. */
export function labelsLine(labels: Readonly<Record<string, string>>): string | null {
  const pairs = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => `${key}=${value}`);
  return pairs.length > 0 ? pairs.join(', ') : null;
}

/**
 * What `hosts cordon` and `hosts uncordon` print: the host's status after the change. An offline
 * host stays offline either way; the cordon is kept and applies when its runner returns.
 */
export function cordonSentence(host: Host, cordoned: boolean, style: Style): string {
  const now = `${host.name} is ${paintStatus(style, host.status)}`;
  if (host.status === 'offline') return `${now}; it is ${cordoned ? 'cordoned' : 'no longer cordoned'} when its runner comes back.`;
  return cordoned
    ? `${now}: nothing new is placed on it; what runs there keeps running.`
    : `${now}: the scheduler places new allocations on it again.`;
}
