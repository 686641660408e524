import type { Route, Target } from './route-table.js';

/**
 * The cookie that pins a browser to one allocation: `berth_alloc=<allocationId>`. The edge honours
 * it only while that allocation is still a target of the request's route, so a stale cookie can
 * never lead a request to another deployment's allocation.
 */
export const affinityCookieName = 'berth_alloc';

const cookiePrefix = `${affinityCookieName}=`;

/**
 * Chooses the target of one request among the targets of one route, and never outside them: the
 * route is the route owner's deployment, so every answer here serves that deployment (rule 1).
 */
export class LoadBalancer {
  /**
   * Round-robin positions per route. Keyed by the frozen Route object, so a table change starts a
   * fresh rotation over the new target list and dropped routes are collected with their objects.
   */
  readonly #cursors = new WeakMap<Route, number>();

  /**
   * The target for a request carrying `cookieHeader`, or undefined when the route has none.
   * `avoid` is a target that just failed this request: a retry never goes back to it, not even
   * when the cookie pins it, because the browser is better served by a live allocation.
   */
  pick(route: Route, cookieHeader: string | undefined, avoid?: Target): Target | undefined {
    const targets = route.targets;
    if (targets.length === 0) return undefined;
    if (cookieHeader !== undefined) {
      const pinned = affinityTarget(targets, cookieHeader);
      if (pinned !== undefined && pinned !== avoid) return pinned;
    }
    const count = targets.length;
    // One target (most routes): no rotation to keep, so no WeakMap write per request (with 10,000
    // routes those writes are 10,000 ephemerons for every garbage collection to walk).
    if (count === 1) return targets[0] === avoid ? undefined : targets[0];
    const start = this.#cursors.get(route) ?? 0;
    for (let step = 0; step < count; step++) {
      const index = (start + step) % count;
      const target = targets[index]!;
      if (target === avoid) continue;
      this.#cursors.set(route, (index + 1) % count);
      return target;
    }
    return undefined;
  }
}

/**
 * The target a Cookie header pins, if it names one of `targets`. Scans the header in place rather
 * than parsing it into an object: this runs on every request that carries cookies.
 */
export function affinityTarget(targets: readonly Target[], cookieHeader: string): Target | undefined {
  let at = cookieHeader.indexOf(cookiePrefix);
  while (at !== -1) {
    const before = at === 0 ? 59 /* ; */ : cookieHeader.charCodeAt(at - 1);
    const valueStart = at + cookiePrefix.length;
    if (before === 59 || before === 32 /* space */) {
      for (const target of targets) {
        const id = target.allocationId;
        const end = valueStart + id.length;
        if (cookieHeader.startsWith(id, valueStart) && (end === cookieHeader.length || cookieHeader.charCodeAt(end) === 59)) return target;
      }
    }
    at = cookieHeader.indexOf(cookiePrefix, valueStart);
  }
  return undefined;
}
