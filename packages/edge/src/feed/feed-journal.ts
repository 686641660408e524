import type { SignedDocument } from '@berth/core';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';

export interface JournalContent {
  snapshot: SignedDocument;
  /** The signed events applied after it, in the order they were applied. */
  events: SignedDocument[];
}

/**
 * The edge's route feed on disk: the last verified snapshot exactly as it was signed
 * (`snapshot.json`) and every signed event applied since (`events.jsonl`, one per line), so a
 * restarted edge verifies them again with the public key, serves at once, and resumes from the
 * sequence after the last one. The snapshot is written atomically; events are appended in
 * batches, and a line torn by a crash is dropped on load (the feed delivers that event again).
 */
export class FeedJournal {
  readonly #snapshotPath: string;
  readonly #eventsPath: string;
  readonly #onError: (error: unknown) => void;
  readonly #dir: string;
  /** Writes run one after another in the order they were asked for. */
  #queue: Promise<void> = Promise.resolve();
  #scheduled = false;
  #pendingSnapshot: SignedDocument | undefined;
  #lines: string[] = [];
  #eventCount = 0;
  /** Set once the folder exists: made on the first write, not on every event (an event arrives with every route change). */
  #dirMade = false;

  constructor(dir: string, onError: (error: unknown) => void = () => {}) {
    this.#snapshotPath = join(dir, 'snapshot.json');
    this.#eventsPath = join(dir, 'events.jsonl');
    this.#onError = onError;
    this.#dir = dir;
  }

  /** Events written since the snapshot: past a bound, the follower asks for a fresh snapshot to start over from. */
  get eventCount(): number {
    return this.#eventCount;
  }

  /** What was kept, unverified: the caller verifies everything again before trusting it. */
  async load(): Promise<JournalContent | undefined> {
    const text = await readFile(this.#snapshotPath, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    let snapshot: SignedDocument;
    try {
      snapshot = JSON.parse(text) as SignedDocument;
    } catch {
      return undefined;
    }
    const events: SignedDocument[] = [];
    const lines = (await readFile(this.#eventsPath, 'utf8').catch(() => '')).split('\n');
    for (const line of lines) {
      if (line === '') continue;
      try {
        events.push(JSON.parse(line) as SignedDocument);
      } catch {
        break;
      }
    }
    this.#eventCount = events.length;
    return { snapshot, events };
  }

  /** Keeps a newly verified snapshot and starts the event log after it afresh. */
  saveSnapshot(document: SignedDocument): void {
    this.#pendingSnapshot = document;
    this.#lines = [];
    this.#eventCount = 0;
    this.#schedule();
  }

  /** Appends an applied event; events arriving while a write runs go out together in the next one. */
  append(document: SignedDocument): void {
    this.#eventCount += 1;
    this.#lines.push(`${JSON.stringify(document)}\n`);
    this.#schedule();
  }

  /** Resolves once everything asked for so far is on disk. */
  flush(): Promise<void> {
    return this.#queue;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#queue = this.#queue.then(() => this.#write()).catch(this.#onError);
  }

  /**
   * Writes what is pending in one go. A pending snapshot replaces both files (snapshot first: a
   * crash between the two leaves old events that the new snapshot already covers, which load as
   * duplicates); otherwise the new lines are appended.
   */
  async #write(): Promise<void> {
    this.#scheduled = false;
    const snapshot = this.#pendingSnapshot;
    const lines = this.#lines;
    this.#pendingSnapshot = undefined;
    this.#lines = [];
    if (!this.#dirMade) {
      await mkdir(this.#dir, { recursive: true });
      this.#dirMade = true;
    }
    try {
      if (snapshot !== undefined) {
        await writeFileAtomic(this.#snapshotPath, JSON.stringify(snapshot));
        await writeFileAtomic(this.#eventsPath, lines.join(''));
      } else if (lines.length > 0) {
        await appendFile(this.#eventsPath, lines.join(''));
      }
    } catch (error) {
      // The folder went away under the edge (removed by hand): the next write makes it again.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.#dirMade = false;
      throw error;
    }
  }
}
