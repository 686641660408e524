import type { PropagationIncident, SignedDocument } from '@berth/core';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FeedJournal } from './feed-journal.js';
import type { FeedReporter } from './feed-reporter.js';
import type { RouteState } from './route-state.js';
import { Backoff, type RouteFeedSink, type RouteTransport } from './route-transport.js';

export interface RouteFeedFollowerOptions {
  state: RouteState;
  transport: RouteTransport;
  /** Fetches the control plane's current signed snapshot. */
  fetchSnapshot: () => Promise<SignedDocument>;
  journal?: FeedJournal | undefined;
  reporter?: FeedReporter | undefined;
  log: (line: string) => void;
  /** First and longest wait between snapshot fetches that failed or were refused. */
  snapshotRetryMs?: { initial: number; max: number };
  /** Past this many events kept since the snapshot, a fresh snapshot is fetched so the journal starts over (10,000 unless told). */
  compactAfterEvents?: number;
}

/**
 * Keeps the route state in step with the control plane. It starts from the snapshot on disk (or
 * fetches one), follows the transport from the sequence after it, and on a gap or an unverifiable
 * event stops the transport, fails closed what policy says, records the incident, fetches a fresh
 * signed snapshot until one verifies, swaps it in whole and resumes after it. A refused snapshot
 * changes nothing: the edge keeps serving the last verified state and tries again with backoff.
 */
export class RouteFeedFollower implements RouteFeedSink {
  readonly #options: RouteFeedFollowerOptions;
  readonly #state: RouteState;
  readonly #stopping = new AbortController();
  #closed = false;
  #recovering: Promise<void> | undefined;
  #compacting = false;
  #connected = false;
  #problem: string | null = null;
  #resolveReady!: () => void;
  readonly #ready = new Promise<void>((resolve) => (this.#resolveReady = resolve));

  constructor(options: RouteFeedFollowerOptions) {
    this.#options = options;
    this.#state = options.state;
  }

  start(): void {
    if (this.#state.hasSnapshot) this.#options.transport.start(this.#state.appliedSeq + 1, this);
    else void this.#recover();
  }

  /**
   * Resolves once a verified snapshot from the control plane is applied, or, for an edge that
   * started from its disk snapshot, once the transport follows the feed after it.
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Why the edge cannot vouch for being current, or null when it follows the feed normally. */
  degradedReason(): string | null {
    if (!this.#state.hasSnapshot) return `no verified route snapshot yet${this.#problem ? `: ${this.#problem}` : ''}`;
    if (this.#state.inGap) return `route feed gap: fetching a fresh snapshot${this.#problem ? ` (${this.#problem})` : ''}`;
    if (!this.#connected) return `route feed transport not connected${this.#problem ? `: ${this.#problem}` : ''}`;
    return null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopping.abort();
    await this.#options.transport.close();
    await this.#recovering;
  }

  document(document: SignedDocument, carriedSeq: number | undefined): void {
    if (this.#closed) return;
    let outcome: ReturnType<RouteState['acceptEvent']>;
    try {
      outcome = this.#state.acceptEvent(document, carriedSeq);
    } catch (error) {
      // A document the state could not apply is doubt about the feed: the same answer as a gap.
      outcome = { kind: 'gap', incident: { kind: 'bad_document', expectedSeq: this.#state.appliedSeq + 1, detail: `the event could not be applied: ${String(error)}`, at: new Date().toISOString() } };
    }
    if (outcome.kind === 'applied') {
      this.#options.journal?.append(document);
      this.#options.reporter?.changed();
      if ((this.#options.journal?.eventCount ?? 0) > (this.#options.compactAfterEvents ?? 10_000)) void this.#compact();
    } else if (outcome.kind === 'gap') {
      this.#gap(outcome.incident);
    }
  }

  appliedSeq(): number {
    return this.#state.appliedSeq;
  }

  cannotResume(detail: string): void {
    if (this.#closed || this.#state.inGap) return;
    this.#gap({ kind: 'transport', expectedSeq: this.#state.appliedSeq + 1, detail: `the transport cannot resume: ${detail}`, at: new Date().toISOString() });
  }

  connection(connected: boolean, detail: string): void {
    if (this.#closed) return;
    // Logged when the state changes, or when a failing transport fails for another reason; a
    // transport retrying against the same error does not fill the log.
    const news = connected !== this.#connected || (!connected && detail !== this.#problem);
    this.#connected = connected;
    this.#problem = connected ? null : detail;
    if (!news) return;
    this.#options.log(connected ? `route feed: ${detail}` : `route feed: transport not connected (${detail}); retrying`);
    if (connected && this.#state.hasSnapshot) this.#resolveReady();
    this.#options.reporter?.changed();
  }

  /** Applies nothing more, fails closed what policy says, reports, and goes back to a snapshot. */
  #gap(incident: PropagationIncident): void {
    this.#options.transport.stop();
    this.#connected = false;
    const affected = this.#state.enterGap();
    const recorded = { ...incident, affectedHostnames: affected };
    this.#problem = incident.detail;
    this.#options.log(`route feed: ${incident.kind} at seq ${incident.expectedSeq ?? '?'} (${incident.detail}); `
      + `${affected.length === 0 ? 'no route fails closed' : `failing closed for ${affected.join(', ')}`}; fetching a fresh snapshot`);
    this.#options.reporter?.incident(recorded);
    void this.#recover();
  }

  /** Fetches snapshots until one verifies, swaps it in and resumes the transport after it. One at a time. */
  #recover(): Promise<void> {
    this.#recovering ??= (async () => {
      const { initial, max } = this.#options.snapshotRetryMs ?? { initial: 250, max: 10_000 };
      const backoff = new Backoff(initial, max);
      while (!this.#closed) {
        try {
          const document = await this.#options.fetchSnapshot();
          if (this.#closed) return;
          const outcome = this.#state.acceptSnapshot(document);
          if (outcome.ok) {
            this.#options.journal?.saveSnapshot(document);
            this.#problem = null;
            this.#options.log(`route feed: applied a verified snapshot at seq ${outcome.seq}; following from seq ${outcome.seq + 1}`);
            this.#options.transport.start(outcome.seq + 1, this);
            this.#options.reporter?.changed();
            this.#resolveReady();
            return;
          }
          this.#problem = `snapshot refused: ${outcome.incident.detail}`;
          this.#options.log(`route feed: refused a snapshot (${outcome.incident.kind}: ${outcome.incident.detail}); still serving the last verified state`);
          this.#options.reporter?.incident(outcome.incident);
        } catch (error) {
          this.#problem = error instanceof Error ? error.message : String(error);
          this.#options.log(`route feed: cannot fetch a snapshot (${this.#problem}); retrying`);
        }
        this.#options.reporter?.changed();
        await sleep(backoff.next(), undefined, { signal: this.#stopping.signal }).catch(() => {});
      }
    })().finally(() => {
      this.#recovering = undefined;
    });
    return this.#recovering;
  }

  /**
   * The journal grew long: a fresh snapshot replaces it, without stopping the transport (events
   * the snapshot already covers then arrive as duplicates and are skipped).
   */
  async #compact(): Promise<void> {
    if (this.#compacting || this.#recovering !== undefined) return;
    this.#compacting = true;
    try {
      const document = await this.#options.fetchSnapshot();
      if (this.#closed || this.#state.inGap) return;
      const outcome = this.#state.acceptSnapshot(document);
      if (outcome.ok) this.#options.journal?.saveSnapshot(document);
      else if (outcome.stale !== true) this.#options.reporter?.incident(outcome.incident);
    } catch {
      // Compaction is housekeeping: the next event tries again.
    } finally {
      this.#compacting = false;
    }
  }
}
