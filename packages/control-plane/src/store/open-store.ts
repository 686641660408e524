import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { openPGlite } from './pglite-db.js';
import { openPostgres } from './postgres-db.js';

export type StoreConfig = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };

/** Opens the configured store and brings its schema up to date. */
export async function openStore(config: StoreConfig): Promise<{ db: Db; applied: string[] }> {
  const db = config.kind === 'postgres' ? await openPostgres({ url: config.url }) : await openPGlite({ dataDir: config.dataDir });
  try {
    const applied = await migrate(db);
    return { db, applied };
  } catch (error) {
    await db.close();
    throw error;
  }
}
