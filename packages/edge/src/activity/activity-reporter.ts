import type { ActivityReportBody, EdgeControlPlane, EnvironmentActivityReport } from '../traffic/edge-control-plane.js';
import type { LiveSessions } from '../live/live-sessions.js';
import type { ActivityRegistry, EnvironmentActivity } from './environment-activity.js';

export interface ActivityReporterOptions {
  controlPlane: EdgeControlPlane;
  registry: ActivityRegistry;
  sessions: LiveSessions;
  /** Between two reports (5 s unless told). */
  intervalMs?: number | undefined;
  /** Environments some route names; others are forgotten once reported idle. */
  knownEnvironments: () => ReadonlySet<string>;
  log: (line: string) => void;
}

/** A nudge (a session closed) is reported this soon, so an idle app is not kept awake by a stale count. */
const nudgeDelayMs = 100;

/**
 * Tells the control plane, every few seconds, what this edge saw of each environment: when the
 * last request arrived (to within one interval: the request path only bumps a counter), and the
 * requests and live sessions open now, which keep an app awake however long ago they began. Only
 * environments with news are sent: requests since the last report, open work, or open work that
 * just ended. Drain deadlines that closed sessions ride along.
 */
export class ActivityReporter {
  readonly #options: ActivityReporterOptions;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #nudge: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;
  #drainsRefused = false;
  #closed = false;

  constructor(options: ActivityReporterOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? 5_000;
  }

  start(): void {
    this.#timer = setInterval(() => void this.report(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Reports soon (coalesced): a session closed, or a drain deadline passed. */
  nudge(): void {
    if (this.#nudge !== undefined || this.#closed) return;
    this.#nudge = setTimeout(() => {
      this.#nudge = undefined;
      void this.report();
    }, nudgeDelayMs);
    this.#nudge.unref();
  }

  /** Sends one report now (after the one in progress). */
  async report(): Promise<void> {
    while (this.#sending !== undefined) await this.#sending;
    this.#sending = this.#send().finally(() => (this.#sending = undefined));
    await this.#sending;
  }

  /** Stops reporting after one last report, given at most `lastReportMs` (a control plane stopping first must not hold the edge's shutdown). */
  async close(lastReportMs = 1_000): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#nudge);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.report(), new Promise<void>((resolve) => (timer = setTimeout(resolve, lastReportMs)))]);
    clearTimeout(timer);
  }

  async #send(): Promise<void> {
    const now = Date.now();
    const sent: { activity: EnvironmentActivity; requests: number; busy: boolean }[] = [];
    const environments: EnvironmentActivityReport[] = [];
    for (const activity of this.#options.registry.all()) {
      if (activity.requests !== activity.seenRequests) {
        activity.seenRequests = activity.requests;
        activity.lastRequestAt = now;
      }
      const busy = activity.busy;
      if (activity.requests === activity.reportedRequests && !busy && !activity.reportedBusy) continue;
      sent.push({ activity, requests: activity.requests, busy });
      environments.push({
        environmentId: activity.environmentId,
        lastRequestAt: activity.lastRequestAt === null ? null : new Date(activity.lastRequestAt).toISOString(),
        openSessions: activity.sessions,
        inFlight: activity.inFlight,
      });
    }
    const drains = this.#options.sessions.takeDrainReports();
    if (environments.length === 0 && drains.length === 0) return;
    const body: ActivityReportBody = { environments, ...(drains.length > 0 && !this.#drainsRefused ? { drains } : {}) };
    try {
      await this.#options.controlPlane.reportActivity(body);
    } catch (error) {
      if (body.drains !== undefined && (error as { status?: unknown }).status === 400) {
        // A control plane that does not take drain reports yet: they stay in the edge's log.
        this.#drainsRefused = true;
        this.#options.log('activity: the control plane refused drain reports; they are only logged from now on');
        return this.#send();
      }
      if (drains.length > 0 && !this.#drainsRefused) this.#options.sessions.restoreDrainReports(drains);
      this.#options.log(`activity: cannot report to the control plane (${error instanceof Error ? error.message : String(error)})`);
      return;
    }
    for (const { activity, requests, busy } of sent) {
      activity.reportedRequests = requests;
      activity.reportedBusy = busy;
    }
    this.#options.registry.prune(this.#options.knownEnvironments());
  }
}
