import type { RouteEntry, TargetEntry } from '@berth/core';
import type { AssetMount } from '../assets/asset-mount.js';
import type { AssetStore } from '../assets/asset-store.js';
import type { Route, Target } from '../route-table.js';
import type { TrafficMatchers } from './traffic-matchers.js';

/** The key of one deployment in one environment: the only allocations a route may ever be sent to. */
export function deploymentKey(environmentId: string, deploymentId: string): string {
  return `${environmentId}\u0000${deploymentId}`;
}

/**
 * Turns a verified route entry into the Route the proxy serves: the owner's deployment, the ready
 * allocations of that deployment in that environment and no other (a preview's allocations never
 * serve production even when both run one deployment's artifact), its asset mount, and whether it
 * is failed closed.
 */
export function projectRoute(entry: RouteEntry, targets: Iterable<TargetEntry> | undefined, failedClosed: boolean, assets: AssetStore | undefined, matchers?: TrafficMatchers): Route {
  const list: Target[] = [];
  if (targets !== undefined) for (const t of targets) list.push({ allocationId: t.allocationId, host: t.host, port: t.port });
  return {
    hostname: entry.hostname,
    epoch: entry.epoch,
    deploymentId: entry.deploymentId,
    environmentId: entry.environmentId,
    digest: entry.digest,
    targets: list,
    assets: assetMount(entry, assets),
    failedClosed,
    hasProcess: entry.policy.hasProcess,
    // Absent traffic, scale or drain timeout (events written before sleep and wake): method-based
    // classes, an app that may sleep, and the default budget and drain deadline.
    matcher: matchers?.for(entry.digest, entry.policy.traffic) ?? null,
    sleeps: entry.policy.scale == null || entry.policy.scale.min === 0,
    wakeBudgetMs: entry.policy.scale?.wakeBudgetMs,
    drainDeadlineMs: entry.policy.drainTimeoutMs ?? undefined,
  };
}

function assetMount(entry: RouteEntry, assets: AssetStore | undefined): AssetMount | null {
  const policy = entry.policy.assets;
  if (policy === null || assets === undefined) return null;
  return { prefix: normalisePrefix(policy.prefix), immutable: policy.immutable, site: assets.site(entry.digest, policy.checksum) };
}

/** `static`, `/static` and `/static/` are one prefix, `/static/`, so `/staticky` is never under it; `''` and `/` are the root. */
function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}
