import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, Queryable, Row } from './db.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';

// Both adapters return int8 as a JS number (our counters stay far below 2^53) so that queries
// read the same on PGlite and PostgreSQL.
const parsers = { [types.INT8]: (value: string) => Number(value) };

export interface PGliteOptions {
  /** A data directory; omitted means in memory (tests). */
  dataDir?: string;
  /** A dump from `dumpDataDir()` to start from (the testkit's migrated template). */
  loadDataDir?: Blob;
}

/** The embedded store: PGlite in `<dataDir>/pgdata`, guarded by a lock file in `<dataDir>`. */
export async function openPGlite(options: PGliteOptions = {}): Promise<Db & { pglite: PGlite }> {
  let lock: DataDirLock | undefined;
  let pgdata: string | undefined;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    lock = acquireDataDirLock(options.dataDir);
    pgdata = join(options.dataDir, 'pgdata');
  }
  let pglite: PGlite;
  try {
    pglite = new PGlite({ ...(pgdata ? { dataDir: pgdata } : {}), ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}), parsers });
    await pglite.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }
  return new PGliteDb(pglite, lock);
}

function wrap(target: { query: PGlite['query']; exec: PGlite['exec'] }): Queryable {
  return {
    async query<R = Row>(sql: string, params: readonly unknown[] = []) {
      const result = await target.query<R>(sql, params as unknown[]);
      return result.rows;
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  };
}

class PGliteDb implements Db {
  readonly dialect = 'pglite' as const;
  readonly #plain: Queryable;

  constructor(
    readonly pglite: PGlite,
    private readonly lock: DataDirLock | undefined,
  ) {
    this.#plain = wrap(pglite);
  }

  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return this.#plain.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.#plain.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    // PGlite's transaction() holds its mutex for the whole callback and rolls back when it throws,
    // so statements from other callers wait instead of landing inside this transaction.
    return this.pglite.transaction(async (tx) => fn(wrap(tx)));
  }

  async close(): Promise<void> {
    try {
      if (!this.pglite.closed) await this.pglite.close();
    } finally {
      this.lock?.release();
    }
  }
}
