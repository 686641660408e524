import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { parseRecord, recordFileName, type IdempotencyRecord, type StoredResponse } from './idempotency-record.js';

export interface IdempotencyStoreOptions {
  /** `<data dir>/idempotency`: one file per key that was forwarded. */
  dir: string;
  /** How long a key is remembered after its request arrived (24 h unless told). */
  ttlMs?: number | undefined;
  log: (line: string) => void;
}

/**
 * The Idempotency-Keys of unsafe requests the edge held through a wake, per route, so that each
 * is forwarded exactly once (DESIGN rule 5): a repeat while the first is held or in flight gets
 * 409, a repeat after it gets the kept answer, a repeat with another method, path or body gets
 * 422. The record is on disk before the request goes upstream and again once it is answered, so
 * an edge restart changes none of this. Only metadata stays in memory; a replayed body is read
 * back from its file.
 */
export class IdempotencyStore {
  readonly #dir: string;
  readonly #ttlMs: number;
  readonly #log: (line: string) => void;
  readonly #records = new Map<string, IdempotencyRecord>();
  /** Writes of one record run in order: `done` never lands before `forwarding`. */
  readonly #writes = new Map<IdempotencyRecord, Promise<void>>();
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: IdempotencyStoreOptions) {
    this.#dir = options.dir;
    this.#ttlMs = options.ttlMs ?? 24 * 60 * 60_000;
    this.#log = options.log;
  }

  /** Reads the records kept on disk (dropping expired ones) and starts the hourly sweep. */
  async load(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const now = Date.now();
    for (const name of await readdir(this.#dir)) {
      if (!name.endsWith('.json')) continue;
      const path = join(this.#dir, name);
      const record = parseRecord(await readFile(path, 'utf8').catch(() => ''));
      if (record === undefined || record.expiresAt <= now) {
        await rm(path, { force: true });
        continue;
      }
      delete record.response;
      this.#records.set(mapKey(record.scope, record.key), record);
    }
    this.#sweep = setInterval(() => this.#expire(), Math.min(this.#ttlMs, 60 * 60_000));
    this.#sweep.unref();
  }

  /** Whether any key is remembered: a keyed request is checked here only then, keeping the hot path free. */
  get size(): number {
    return this.#records.size;
  }

  find(scope: string, key: string): IdempotencyRecord | undefined {
    const record = this.#records.get(mapKey(scope, key));
    if (record === undefined || record.expiresAt > Date.now()) return record;
    this.forget(record);
    return undefined;
  }

  /** Claims a key for a request about to be held (in memory: a held request was never sent). */
  begin(scope: string, key: string, method: string, path: string): IdempotencyRecord {
    const now = Date.now();
    const record: IdempotencyRecord = { scope, key, method, path, bodyHash: '', state: 'held', createdAt: now, expiresAt: now + this.#ttlMs };
    this.#records.set(mapKey(scope, key), record);
    return record;
  }

  /** The request was never sent (refused, expired, its client left while it was held): the key is free again. */
  forget(record: IdempotencyRecord): void {
    const key = mapKey(record.scope, record.key);
    if (this.#records.get(key) === record) this.#records.delete(key);
    if (record.state !== 'held') void this.#write(record, () => rm(join(this.#dir, recordFileName(record.scope, record.key)), { force: true }));
  }

  /** Marks the request as being sent, on disk, before it is: resolves once the record is durable. */
  async forwarding(record: IdempotencyRecord): Promise<void> {
    record.state = 'forwarding';
    let failure: unknown;
    await this.#write(record, () => this.#persist(record).catch((error: unknown) => {
      failure = error;
      throw error;
    }));
    // A request whose record is not durable is not sent: an edge restart could send it again.
    if (failure !== undefined) throw failure;
  }

  /** Keeps the app's answer (or the edge's, for an attempt that failed after it may have reached the app). */
  done(record: IdempotencyRecord, response: StoredResponse): void {
    record.state = 'done';
    record.response = response;
    void this.#write(record, () => this.#persist(record)).finally(() => {
      // The body lives on disk; memory keeps what decides between replay, 409 and 422.
      record.response = undefined;
    });
  }

  /** The kept answer of a `done` record, read back from disk. */
  async response(record: IdempotencyRecord): Promise<StoredResponse | undefined> {
    if (record.response !== undefined) return record.response;
    await this.#writes.get(record);
    if (record.response !== undefined) return record.response;
    const stored = parseRecord(await readFile(join(this.#dir, recordFileName(record.scope, record.key)), 'utf8').catch(() => ''));
    return stored?.response;
  }

  /** Waits for the writes in progress (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all(this.#writes.values());
  }

  close(): void {
    clearInterval(this.#sweep);
  }

  #persist(record: IdempotencyRecord): Promise<void> {
    return writeFileAtomic(join(this.#dir, recordFileName(record.scope, record.key)), JSON.stringify(record));
  }

  #write(record: IdempotencyRecord, write: () => Promise<void>): Promise<void> {
    const previous = this.#writes.get(record) ?? Promise.resolve();
    const next = previous.then(write).catch((error: unknown) => {
      this.#log(`idempotency: cannot write the record of a key for ${record.scope} (${error instanceof Error ? error.message : String(error)})`);
    });
    this.#writes.set(record, next);
    void next.then(() => {
      if (this.#writes.get(record) === next) this.#writes.delete(record);
    });
    return next;
  }

  #expire(): void {
    const now = Date.now();
    for (const record of this.#records.values()) if (record.expiresAt <= now && record.state !== 'held') this.forget(record);
  }
}

function mapKey(scope: string, key: string): string {
  return `${scope}\u0000${key}`;
}
