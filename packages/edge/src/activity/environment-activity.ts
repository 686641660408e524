/**
 * What the edge saw of one environment, as the control plane's sleep controller needs it: whether
 * requests arrived since the last report, and what is open now. The counters are bumped on the
 * request path, so they are plain fields on one object per environment that every route of the
 * environment shares: a request pays two increments, no lookup and no clock read.
 */
export class EnvironmentActivity {
  /** Requests seen since the edge started (held, proxied or refused after routing). */
  requests = 0;
  /** Requests whose response has not closed yet, held ones included. */
  inFlight = 0;
  /** Live sessions (WebSocket tunnels) open now. */
  sessions = 0;
  /** `requests` when `lastRequestAt` was last set: the reporter sets it when it sees the count move. */
  seenRequests = 0;
  lastRequestAt: number | null = null;
  /** What the control plane last acknowledged: the count, and whether work was open. */
  reportedRequests = 0;
  reportedBusy = false;

  constructor(readonly environmentId: string) {}

  /** Open work: the sleep controller must not put the app to sleep while any of it exists. */
  get busy(): boolean {
    return this.inFlight > 0 || this.sessions > 0;
  }
}

/** Environment id → its activity. Entries of environments no route names any more are dropped once idle and reported. */
export class ActivityRegistry {
  readonly #byEnvironment = new Map<string, EnvironmentActivity>();

  of(environmentId: string): EnvironmentActivity {
    let activity = this.#byEnvironment.get(environmentId);
    if (activity === undefined) this.#byEnvironment.set(environmentId, (activity = new EnvironmentActivity(environmentId)));
    return activity;
  }

  get(environmentId: string): EnvironmentActivity | undefined {
    return this.#byEnvironment.get(environmentId);
  }

  all(): IterableIterator<EnvironmentActivity> {
    return this.#byEnvironment.values();
  }

  /** Forgets environments outside `known` that have nothing open and nothing unreported. */
  prune(known: ReadonlySet<string>): void {
    for (const [id, activity] of this.#byEnvironment) {
      if (!known.has(id) && !activity.busy && activity.requests === activity.reportedRequests) this.#byEnvironment.delete(id);
    }
  }
}
