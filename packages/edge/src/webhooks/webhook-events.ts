import { createHash } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';

export interface WebhookEventsOptions {
  /** `<data dir>/webhook-events`: one append-only file per environment. */
  dir: string;
  /** How long a processed event id is remembered (7 days unless told: providers retry for up to 3). */
  retentionMs?: number | undefined;
  /** Most ids remembered per environment; the oldest go first (100,000 unless told). */
  maxPerEnvironment?: number | undefined;
  log: (line: string) => void;
}

/**
 * The provider event ids each environment's app has processed (answered 2xx) through this edge,
 * so a provider's redelivery is acknowledged without running it again, and the ids being
 * processed right now, so two deliveries of one event never run at once. Kept on disk, so a
 * restart does not forget them.
 */
export class WebhookEvents {
  readonly #options: WebhookEventsOptions;
  readonly #retentionMs: number;
  readonly #max: number;
  /** Environment → event id → when it was processed (insertion order is age order). */
  readonly #processed = new Map<string, Map<string, number>>();
  readonly #inFlight = new Set<string>();
  #appending: Promise<void> = Promise.resolve();

  constructor(options: WebhookEventsOptions) {
    this.#options = options;
    this.#retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60_000;
    this.#max = options.maxPerEnvironment ?? 100_000;
  }

  async load(): Promise<void> {
    await mkdir(this.#options.dir, { recursive: true });
    const oldest = Date.now() - this.#retentionMs;
    for (const name of await readdir(this.#options.dir)) {
      if (!name.endsWith('.jsonl')) continue;
      const path = join(this.#options.dir, name);
      let environmentId: string | undefined;
      for (const line of (await readFile(path, 'utf8')).split('\n')) {
        if (line === '') continue;
        try {
          const entry = JSON.parse(line) as { env: string; id: string; at: number };
          if (typeof entry.env !== 'string' || typeof entry.id !== 'string' || !(entry.at > oldest)) continue;
          environmentId = entry.env;
          this.#remember(entry.env, entry.id, entry.at);
        } catch {
          // A line cut by a crash mid-append: the ids before it are intact.
        }
      }
      // Rewritten without what expired, so the file does not grow forever.
      const kept = environmentId === undefined ? undefined : this.#processed.get(environmentId);
      const lines = kept === undefined ? [] : [...kept].map(([id, at]) => JSON.stringify({ env: environmentId, id, at }));
      await writeFileAtomic(path, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    }
  }

  processed(environmentId: string, eventId: string): boolean {
    const at = this.#processed.get(environmentId)?.get(eventId);
    return at !== undefined && at > Date.now() - this.#retentionMs;
  }

  inFlight(environmentId: string, eventId: string): boolean {
    return this.#inFlight.has(key(environmentId, eventId));
  }

  begin(environmentId: string, eventId: string): void {
    this.#inFlight.add(key(environmentId, eventId));
  }

  /** The delivery is over; `processed` when the app answered 2xx. */
  end(environmentId: string, eventId: string, processed: boolean): void {
    this.#inFlight.delete(key(environmentId, eventId));
    if (!processed) return;
    const at = Date.now();
    this.#remember(environmentId, eventId, at);
    const line = `${JSON.stringify({ env: environmentId, id: eventId, at })}\n`;
    this.#appending = this.#appending.then(() => appendFile(join(this.#options.dir, fileOf(environmentId)), line, { mode: 0o600 })).catch((error: unknown) => {
      this.#options.log(`webhooks: cannot record a processed event id of ${environmentId} (${error instanceof Error ? error.message : String(error)})`);
    });
  }

  /** Waits for the appends in progress. */
  flush(): Promise<void> {
    return this.#appending;
  }

  #remember(environmentId: string, eventId: string, at: number): void {
    let ids = this.#processed.get(environmentId);
    if (ids === undefined) this.#processed.set(environmentId, (ids = new Map()));
    ids.delete(eventId);
    ids.set(eventId, at);
    if (ids.size > this.#max) ids.delete(ids.keys().next().value!);
  }
}

function key(environmentId: string, eventId: string): string {
  return `${environmentId}\u0000${eventId}`;
}

/** A file name from an environment id: hashed, so no id can name a path. */
function fileOf(environmentId: string): string {
  return `${createHash('sha256').update(environmentId).digest('hex').slice(0, 32)}.jsonl`;
}
