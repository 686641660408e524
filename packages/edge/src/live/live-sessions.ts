import type { EnvironmentActivity } from '../activity/environment-activity.js';
import type { DrainReport } from '../traffic/edge-control-plane.js';

/** One open live session (a WebSocket tunnel) as the drain sees it. */
export interface LiveSession {
  readonly allocationId: string;
  readonly environmentId: string;
  /** How long the session may stay open once its allocation stops being a target. */
  readonly drainDeadlineMs: number;
  readonly activity: EnvironmentActivity | undefined;
  /** Cuts the tunnel, both ways. */
  close(): void;
}

export interface LiveSessionsOptions {
  log: (line: string) => void;
  /** A session opened or closed: activity should be reported soon (a closed session may let the app sleep). */
  changed: () => void;
}

/**
 * The open live sessions, by allocation, and their drain (part 4 of sleep and wake). When an
 * allocation stops being a target (`target.down`: draining, stopped, lost), no new session or
 * request goes to it, but its open sessions are left alone until its drain deadline; then the ones
 * still open are closed, and the edge says so: "session still active at drain deadline", with the
 * count, in its log and in its next activity report. Nothing is closed before the deadline, so no
 * drain claims to wait while it kills (DESIGN rule 10).
 */
export class LiveSessions {
  readonly #options: LiveSessionsOptions;
  readonly #byAllocation = new Map<string, Set<LiveSession>>();
  readonly #drains = new Map<string, NodeJS.Timeout>();
  #reports: DrainReport[] = [];

  constructor(options: LiveSessionsOptions) {
    this.#options = options;
  }

  opened(session: LiveSession): void {
    let set = this.#byAllocation.get(session.allocationId);
    if (set === undefined) this.#byAllocation.set(session.allocationId, (set = new Set()));
    set.add(session);
    if (session.activity !== undefined) session.activity.sessions += 1;
    this.#options.changed();
  }

  closed(session: LiveSession): void {
    const set = this.#byAllocation.get(session.allocationId);
    if (set === undefined || !set.delete(session)) return;
    if (session.activity !== undefined) session.activity.sessions -= 1;
    if (set.size === 0) {
      this.#byAllocation.delete(session.allocationId);
      clearTimeout(this.#drains.get(session.allocationId));
      this.#drains.delete(session.allocationId);
    }
    this.#options.changed();
  }

  /** Sessions open to an allocation now. */
  countFor(allocationId: string): number {
    return this.#byAllocation.get(allocationId)?.size ?? 0;
  }

  /** Allocations whose drain deadline is running. */
  get draining(): ReadonlySet<string> {
    return new Set(this.#drains.keys());
  }

  /** The route table changed: allocations that left every route start draining; one that came back stops. */
  routesChanged(isTarget: (allocationId: string) => boolean): void {
    for (const [allocationId, set] of this.#byAllocation) {
      const draining = this.#drains.get(allocationId);
      if (isTarget(allocationId)) {
        if (draining !== undefined) {
          clearTimeout(draining);
          this.#drains.delete(allocationId);
        }
        continue;
      }
      if (draining !== undefined) continue;
      let deadlineMs = 0;
      for (const session of set) deadlineMs = Math.max(deadlineMs, session.drainDeadlineMs);
      this.#drains.set(allocationId, setTimeout(() => this.#deadline(allocationId, deadlineMs), deadlineMs));
    }
  }

  /** Drain reports since the last call, for the activity report. */
  takeDrainReports(): DrainReport[] {
    const reports = this.#reports;
    this.#reports = [];
    return reports;
  }

  /** Puts reports back that could not be sent. */
  restoreDrainReports(reports: DrainReport[]): void {
    this.#reports.unshift(...reports);
  }

  close(): void {
    for (const timer of this.#drains.values()) clearTimeout(timer);
    this.#drains.clear();
  }

  #deadline(allocationId: string, deadlineMs: number): void {
    this.#drains.delete(allocationId);
    const sessions = [...(this.#byAllocation.get(allocationId) ?? [])];
    if (sessions.length === 0) return;
    const environmentId = sessions[0]!.environmentId;
    this.#options.log(`live: session still active at drain deadline: ${sessions.length} session(s) to ${allocationId} (${environmentId}) closed after ${deadlineMs} ms`);
    this.#reports.push({ environmentId, allocationId, sessionsClosedAtDeadline: sessions.length });
    for (const session of sessions) session.close();
    this.#options.changed();
  }
}
