import type { PropagationIncident } from '@berth/core';
import type { EdgeReport } from '../link/control-plane-link.js';

export interface FeedReporterOptions {
  send(report: EdgeReport): Promise<void>;
  /** What to report now: read at send time, so a report always carries the latest sequence. */
  current(): { appliedSeq: number; degradedReason: string | null };
  /** Interval of the heartbeat report (2 s unless told). */
  heartbeatMs?: number;
  /**
   * How long a report waits after a change (5 ms unless told). The requests the change routes go
   * first: the report costs the edge and the control plane a request and a store write, which would
   * otherwise compete with the first requests to a new owner on the same cores. A promotion
   * waiting on the report loses those few milliseconds; a burst of events is folded into one report.
   */
  reportDelayMs?: number;
  onError?: (error: unknown) => void;
}

/** Incidents kept for the next successful report; older ones are dropped past this many. */
const maxPendingIncidents = 100;

/**
 * Tells the control plane how far this edge has applied the route feed: promptly after each
 * change (a promotion waits on it) and as a heartbeat. At most one report is in flight; changes
 * during it are folded into one more report with the latest state, so a burst of events costs two
 * requests, not one per event. Incidents ride along until a report carrying them succeeds.
 */
export class FeedReporter {
  readonly #options: FeedReporterOptions;
  #incidents: PropagationIncident[] = [];
  #inFlight = false;
  #again = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #delay: NodeJS.Timeout | undefined;
  #settled: Promise<void> = Promise.resolve();

  constructor(options: FeedReporterOptions) {
    this.#options = options;
  }

  start(): void {
    this.#timer = setInterval(() => this.changed(), this.#options.heartbeatMs ?? 2_000);
    this.#timer.unref();
  }

  incident(incident: PropagationIncident): void {
    this.#incidents.push(incident);
    if (this.#incidents.length > maxPendingIncidents) this.#incidents.splice(0, this.#incidents.length - maxPendingIncidents);
    this.changed();
  }

  /** Something changed: report it shortly (see `reportDelayMs`), or right after the report in flight. */
  changed(): void {
    if (this.#closed || this.#delay !== undefined) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#delay = setTimeout(() => {
      this.#delay = undefined;
      if (this.#closed) return;
      if (this.#inFlight) this.#again = true;
      else this.#settled = this.#send();
    }, this.#options.reportDelayMs ?? 5);
  }

  /** Stops the heartbeat, sends a report still waiting for its delay, and waits for the report in flight. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    if (this.#delay !== undefined) {
      clearTimeout(this.#delay);
      this.#delay = undefined;
      if (this.#inFlight) this.#again = true;
      else this.#settled = this.#send();
    }
    this.#closed = true;
    await this.#settled;
  }

  async #send(): Promise<void> {
    this.#inFlight = true;
    try {
      do {
        this.#again = false;
        const incidents = this.#incidents.slice();
        try {
          await this.#options.send({ ...this.#options.current(), incidents });
          this.#incidents = this.#incidents.filter((incident) => !incidents.includes(incident));
        } catch (error) {
          this.#options.onError?.(error);
          // The heartbeat tries again; a failing control plane is not hammered in a loop.
          return;
        }
      } while (this.#again && !this.#closed);
    } finally {
      this.#inFlight = false;
    }
  }
}
