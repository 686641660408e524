import { ControlPlaneRefusal } from '../link/control-plane-refusal.js';
import type { RouteTable } from '../route-table.js';
import type { EdgeControlPlane, WakeRequestClass, WakeTicket, WakeTrigger } from '../traffic/edge-control-plane.js';
import type { WakeFailure, WakeHolds } from './wake-holds.js';

/** What this edge knows of one environment's wake. */
interface EnvironmentWake {
  /** A hostname of the environment: when its route has a ready target, the wake is done. */
  hostname: string;
  /** The one call in flight for the environment; every request meanwhile joins it. */
  asking: Promise<void> | undefined;
  wakeId: string | undefined;
  /** When the control plane last answered; the ticket is trusted for one wake budget after. */
  answeredAt: number;
  budgetMs: number;
  polling: NodeJS.Timeout | undefined;
}

export interface WakeCoordinatorOptions {
  controlPlane: EdgeControlPlane;
  holds: WakeHolds;
  /** Shortest time between two reads of a wake's state while requests are held (500 ms unless told). */
  pollMs?: number | undefined;
  log: (line: string) => void;
}

/** States after which a wake makes no more progress; `failed` answers the held requests. */
const failedState = 'failed';

/**
 * The edge's side of the one wake per environment (the control plane's store enforces one; this
 * keeps the edge from asking a thousand times for it). However many requests arrive while an app
 * is cold, one call creates or joins the wake; the requests after it join locally while the ticket
 * is fresh (one wake budget). A webhook asks every time, because its event id is evidence the
 * control plane records. While requests are held the wake is read every `pollMs` so that a failed
 * wake answers them at once; readiness itself arrives as route events (the route gains a target),
 * never by polling.
 */
export class WakeCoordinator {
  readonly #options: WakeCoordinatorOptions;
  readonly #pollMs: number;
  readonly #wakes = new Map<string, EnvironmentWake>();
  #closed = false;
  /** Wake calls made to the control plane, for tests and metrics. */
  calls = 0;

  constructor(options: WakeCoordinatorOptions) {
    this.#options = options;
    this.#pollMs = options.pollMs ?? 500;
  }

  /**
   * Makes sure the environment's wake is requested. `evidence` calls even when a wake is known (a
   * webhook's event id). Never throws and never waits: a failure answers the environment's held
   * requests through the holds.
   */
  request(environmentId: string, hostname: string, requestClass: WakeRequestClass, trigger: WakeTrigger, budgetMs: number, evidence = false): void {
    if (this.#closed) return;
    let wake = this.#wakes.get(environmentId);
    if (wake !== undefined && !evidence) {
      if (wake.asking !== undefined) return;
      // A ticket is trusted for one wake budget after the control plane answered. Past that, ask
      // again (the control plane attaches to the wake in flight, or starts a new one if it ended):
      // a wake that failed after its held requests were answered must not turn the next burst
      // into an instant "wake_failed" with no new attempt.
      if (wake.wakeId !== undefined && Date.now() < wake.answeredAt + wake.budgetMs) {
        this.#poll(environmentId, wake);
        return;
      }
    }
    if (wake === undefined) {
      wake = { hostname, asking: undefined, wakeId: undefined, answeredAt: 0, budgetMs, polling: undefined };
      this.#wakes.set(environmentId, wake);
    }
    const current = wake;
    this.calls += 1;
    const asking = this.#options.controlPlane.requestWake({ environmentId, requestClass, trigger }).then(
      (ticket) => this.#answered(environmentId, current, ticket),
      (error: unknown) => {
        this.#options.log(`wake: cannot request the wake of ${environmentId} (${error instanceof Error ? error.message : String(error)})`);
        this.#failed(environmentId, failureOf(error));
      },
    );
    current.asking = asking;
    void asking.finally(() => {
      if (current.asking === asking) current.asking = undefined;
    });
  }

  /** Wakes whose route gained a ready target did their job: forgotten, so the next sleep starts afresh. */
  routesChanged(table: RouteTable): void {
    for (const [environmentId, wake] of this.#wakes) {
      // A call still in flight is forgotten too: its answer finds no record and changes nothing.
      if (this.#options.holds.countFor(environmentId) > 0) continue;
      if ((table.lookup(wake.hostname)?.targets.length ?? 0) === 0) continue;
      clearTimeout(wake.polling);
      this.#wakes.delete(environmentId);
    }
  }

  close(): void {
    this.#closed = true;
    for (const wake of this.#wakes.values()) clearTimeout(wake.polling);
    this.#wakes.clear();
  }

  #answered(environmentId: string, wake: EnvironmentWake, ticket: WakeTicket): void {
    if (this.#wakes.get(environmentId) !== wake) return;
    wake.wakeId = ticket.wakeId;
    wake.answeredAt = Date.now();
    // The route's budget (what requests are held for) unless the control plane gives a shorter one.
    if (Number.isFinite(ticket.budgetMs) && ticket.budgetMs > 0) wake.budgetMs = Math.min(wake.budgetMs, ticket.budgetMs);
    if (ticket.state === failedState) return this.#failed(environmentId, { code: 'wake_failed', reason: `The wake ${ticket.wakeId} has failed.` });
    this.#poll(environmentId, wake);
  }

  /** Reads the wake's state again in `pollMs`, while requests are held for it. */
  #poll(environmentId: string, wake: EnvironmentWake): void {
    if (wake.polling !== undefined || wake.wakeId === undefined || this.#closed) return;
    wake.polling = setTimeout(() => {
      wake.polling = undefined;
      if (this.#wakes.get(environmentId) !== wake || this.#options.holds.countFor(environmentId) === 0) return;
      this.#options.controlPlane.wakeProgress(wake.wakeId!).then(
        (progress) => {
          if (this.#wakes.get(environmentId) !== wake) return;
          if (progress.state === failedState) {
            return this.#failed(environmentId, { code: progress.failureMode ?? 'wake_failed', reason: progress.reason ?? `The wake ${progress.wakeId} failed.` });
          }
          this.#poll(environmentId, wake);
        },
        (error: unknown) => {
          // A wake the control plane no longer knows cannot release anyone; an unreachable control
          // plane may come back before the budget runs out, so the held requests keep waiting.
          if (error instanceof ControlPlaneRefusal && error.status === 404) return this.#failed(environmentId, failureOf(error));
          this.#poll(environmentId, wake);
        },
      );
    }, this.#pollMs);
  }

  #failed(environmentId: string, failure: WakeFailure): void {
    const wake = this.#wakes.get(environmentId);
    if (wake !== undefined) clearTimeout(wake.polling);
    this.#wakes.delete(environmentId);
    this.#options.log(`wake: the wake of ${environmentId} failed (${failure.code}): ${failure.reason}`);
    this.#options.holds.failEnvironment(environmentId, failure);
  }
}

/**
 * A refused or unreachable wake call, as the failure held requests are answered with: the control
 * plane's own sentence for a refusal; for a call that got no answer, a sentence that does not name
 * the control plane's address (clients read it; the edge's log has the detail).
 */
function failureOf(error: unknown): WakeFailure {
  if (error instanceof ControlPlaneRefusal) return { code: error.code, reason: error.message.slice(error.message.indexOf(': ') + 2) };
  return { code: 'control_plane_unreachable', reason: 'The edge could not reach the control plane to wake the app.' };
}
