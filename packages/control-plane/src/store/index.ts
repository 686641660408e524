export type { Db, Queryable, Row } from './db.js';
export { openPGlite } from './pglite-db.js';
export { openPostgres, redactUrl } from './postgres-db.js';
export { migrate, loadMigrations, migrationsDir, type Migration } from './migrate.js';
export { openStore, type StoreConfig } from './open-store.js';
export { acquireDataDirLock } from './data-dir-lock.js';
