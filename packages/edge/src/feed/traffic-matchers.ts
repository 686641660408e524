import { trafficMatcher, type TrafficMatcher, type TrafficPolicy } from '@berth/core';

/**
 * The compiled traffic policy of each artifact the routes name. A policy comes from the artifact's
 * manifest, so one digest has one policy: it is compiled once, when the first route naming the
 * digest arrives, and shared by every route and event after that. Routes change far more often
 * (targets come and go) than artifacts do.
 */
export class TrafficMatchers {
  readonly #byDigest = new Map<string, TrafficMatcher>();

  /** The matcher for `digest`'s policy, or null when the route feed carries no policy (method-based classes). */
  for(digest: string, policy: TrafficPolicy | null | undefined): TrafficMatcher | null {
    if (policy == null) return null;
    let matcher = this.#byDigest.get(digest);
    if (matcher === undefined) {
      matcher = trafficMatcher(policy);
      this.#byDigest.set(digest, matcher);
    }
    return matcher;
  }

  /** Drops the matchers of artifacts no route names any more (after a snapshot swap). */
  retainOnly(digests: ReadonlySet<string>): void {
    for (const digest of this.#byDigest.keys()) if (!digests.has(digest)) this.#byDigest.delete(digest);
  }

  get size(): number {
    return this.#byDigest.size;
  }
}
