import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BerthError } from '@berth/core';
import type { Db } from './db.js';

/** The folder of numbered SQL migrations shipped with the control plane. */
export const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function loadMigrations(dir: string = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      return { version: Number(file.slice(0, 4)), name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** A number both backends agree on for the advisory lock that serializes migrating control planes. */
const migrationLockKey = 727_274_001;

/**
 * Applies the migrations not yet recorded, in order, each in its own transaction, and returns the
 * names it applied (none on a second start). Several control planes starting together on one
 * PostgreSQL take turns through an advisory lock. An applied migration whose file changed since is
 * refused: migrations are never edited once landed.
 */
export async function migrate(db: Db, migrations: Migration[] = loadMigrations()): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: string[] = [];
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
      const [row] = await tx.query<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE version = $1', [migration.version]);
      if (row) {
        if (row.checksum !== migration.checksum) {
          throw new BerthError('migration_changed', `Migration ${migration.name} was applied with checksum ${row.checksum.slice(0, 12)} but the file now hashes to ${migration.checksum.slice(0, 12)}.`, {
            details: { migration: migration.name },
          });
        }
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      return true;
    });
    if (done) applied.push(migration.name);
  }
  return applied;
}
