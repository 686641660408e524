import type { PropagationIncident } from '@berth/core';
import type { EdgeReport } from '../link/control-plane-link.js';

export interface FeedReporterOptions {
  send(report: EdgeReport): Promise<void>;
  /** What to report now: read at send time, so a report always carries the latest sequence. */
  current(): { appliedSeq: number; degradedReason: string | null };
  /** Interval of the heartbeat report (2 s unless told). */
  heartbeatMs?: number;
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

  /** Something changed: report it now, or right after the report in flight. */
  changed(): void {
    if (this.#closed) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#settled = this.#send();
  }

  /** Stops the heartbeat and waits for the report in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
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
