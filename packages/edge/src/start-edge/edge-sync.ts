import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { AssetStore } from '../assets/asset-store.js';
import { EmbeddedTransport } from '../feed/embedded-transport.js';
import { FeedJournal } from '../feed/feed-journal.js';
import { FeedReporter } from '../feed/feed-reporter.js';
import { JetStreamTransport } from '../feed/jetstream-transport.js';
import { restoreJournal } from '../feed/restore-journal.js';
import { RouteFeedFollower } from '../feed/route-feed-follower.js';
import { RouteState } from '../feed/route-state.js';
import { Backoff, type RouteTransport } from '../feed/route-transport.js';
import type { ControlPlaneLink } from '../link/control-plane-link.js';
import { ControlPlaneRefusal } from '../link/control-plane-refusal.js';
import type { RouteTable } from '../route-table.js';
import { keyMismatch, routeKeyFrom, type PinnedRouteKey, type RouteKey } from './pinned-route-key.js';
import type { EdgeTuning } from './start-edge.js';

export interface EdgeSyncOptions {
  link: ControlPlaneLink;
  table: RouteTable;
  assets: AssetStore;
  log: (line: string) => void;
  transport: 'embedded' | 'jetstream';
  natsUrl: string | undefined;
  natsStream: string | undefined;
  natsSubject: string | undefined;
  dataDir: string;
  pin: PinnedRouteKey;
  /** The key given in the configuration or pinned earlier; undefined on a first start without one. */
  trusted: RouteKey | undefined;
  trustedSource: string;
  tuning: EdgeTuning;
}

/**
 * Everything between the edge and its control plane: registration (and the key check that comes
 * with it), then the route state restored from disk and kept current by the follower, and the
 * reports. With a trusted key the edge serves its disk snapshot before the control plane answers;
 * without one it waits for the first registration to learn (and pin) the key.
 */
export class EdgeSync {
  readonly #options: EdgeSyncOptions;
  readonly #stopping = new AbortController();
  #state: RouteState | undefined;
  #follower: RouteFeedFollower | undefined;
  #reporter: FeedReporter | undefined;
  #journal: FeedJournal | undefined;
  #background: Promise<void> | undefined;
  #resolveReady!: () => void;
  #rejectReady!: (error: unknown) => void;
  readonly #ready = new Promise<void>((resolve, reject) => {
    this.#resolveReady = resolve;
    this.#rejectReady = reject;
  });

  constructor(options: EdgeSyncOptions) {
    this.#options = options;
    this.#ready.catch(() => {});
  }

  /**
   * Serves what the disk holds (with a trusted key) and tries to register once. Throws when the
   * control plane refuses the edge or offers another key; an unreachable one is retried in the
   * background.
   */
  async start(): Promise<void> {
    const { trusted, link, log } = this.#options;
    if (trusted !== undefined) await this.#build(trusted);
    try {
      const registered = await link.register();
      await this.#trust(registered.routePublicKey);
      log(`edge: registered as ${registered.edgeId}`);
    } catch (error) {
      if ((error instanceof ControlPlaneRefusal && error.fatal) || (error as { code?: unknown }).code === 'route_key_mismatch') throw error;
      log(`edge: cannot register yet (${error instanceof Error ? error.message : String(error)}); retrying in the background`);
      if (this.#state === undefined) {
        this.#background = this.#registerInBackground();
        return;
      }
    }
    this.#begin();
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  appliedSeq(): number {
    return this.#state?.appliedSeq ?? -1;
  }

  degradedReason(): string | null {
    return this.#follower === undefined ? 'not registered with the control plane yet' : this.#follower.degradedReason();
  }

  async close(): Promise<void> {
    this.#stopping.abort();
    await this.#background;
    await this.#follower?.close();
    await this.#reporter?.close();
    await this.#journal?.flush();
  }

  /** Holds the control plane to the trusted key, or trusts (and pins) the one it offers on a first start. */
  async #trust(offered: string): Promise<void> {
    const { trusted, trustedSource, pin, log } = this.#options;
    if (trusted !== undefined) {
      if (offered.trim() !== trusted.text) throw keyMismatch(trusted, offered, trustedSource);
      return;
    }
    if (this.#state !== undefined) return;
    const key = routeKeyFrom(offered, 'the control plane\'s registration answer');
    await pin.write(key);
    log(`edge: trusting route key ${key.text} on first use (pinned in ${pin.path})`);
    await this.#build(key);
  }

  async #registerInBackground(): Promise<void> {
    const retry = this.#options.tuning.retryMs ?? { initial: 500, max: 10_000 };
    const backoff = new Backoff(retry.initial, retry.max);
    while (!this.#stopping.signal.aborted) {
      await sleep(backoff.next(), undefined, { signal: this.#stopping.signal }).catch(() => {});
      if (this.#stopping.signal.aborted) return;
      try {
        const registered = await this.#options.link.register();
        await this.#trust(registered.routePublicKey);
        this.#options.log(`edge: registered as ${registered.edgeId}`);
        this.#begin();
        return;
      } catch (error) {
        const fatal = (error instanceof ControlPlaneRefusal && error.fatal) || (error as { code?: unknown }).code === 'route_key_mismatch';
        this.#options.log(`edge: cannot register (${error instanceof Error ? error.message : String(error)})${fatal ? '; giving up' : '; retrying'}`);
        if (fatal) {
          this.#rejectReady(error);
          return;
        }
      }
    }
  }

  /** The route state under `key`, restored from disk. */
  async #build(key: RouteKey): Promise<void> {
    const { table, assets, log, dataDir, tuning } = this.#options;
    this.#state = new RouteState({ table, publicKey: key.publicKey, assets });
    this.#journal = new FeedJournal(join(dataDir, 'route-feed'), (error) => log(`route feed: cannot write the journal (${String(error)})`));
    const seq = await restoreJournal(this.#state, this.#journal, log);
    if (seq !== undefined) log(`route feed: serving the verified snapshot kept on disk, applied to seq ${seq}`);
    const state = this.#state;
    this.#reporter = new FeedReporter({
      send: (report) => this.#options.link.report(report),
      current: () => ({ appliedSeq: Math.max(0, state.appliedSeq), degradedReason: this.degradedReason() }),
      heartbeatMs: tuning.reportHeartbeatMs,
      onError: (error) => log(`edge: cannot report to the control plane (${error instanceof Error ? error.message : String(error)})`),
    });
    this.#follower = new RouteFeedFollower({
      state, transport: this.#transport(), fetchSnapshot: () => this.#options.link.snapshot(), journal: this.#journal,
      reporter: this.#reporter, log, snapshotRetryMs: tuning.retryMs, compactAfterEvents: tuning.compactAfterEvents,
    });
    void this.#follower.ready().then(this.#resolveReady);
  }

  #begin(): void {
    if (this.#stopping.signal.aborted) return;
    this.#reporter!.start();
    this.#follower!.start();
    this.#reporter!.changed();
  }

  #transport(): RouteTransport {
    const { transport, natsUrl, natsStream, natsSubject, link, tuning } = this.#options;
    if (transport === 'jetstream') return new JetStreamTransport({ natsUrl: natsUrl!, stream: natsStream, subject: natsSubject, reconnectMs: tuning.retryMs });
    return new EmbeddedTransport(link, { reconnectMs: tuning.retryMs });
  }
}
