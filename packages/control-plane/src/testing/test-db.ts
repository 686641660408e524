import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import type { Db } from '../store/db.js';
import { loadMigrations, migrate } from '../store/migrate.js';
import { openPGlite } from '../store/pglite-db.js';
import { openPostgres } from '../store/postgres-db.js';

/**
 * Fresh, migrated databases for tests, on both backends. PGlite takes seconds to initialise, so a
 * migrated template is dumped once (cached on disk by the migrations' checksum, shared by every test
 * process) and each test opens a clone of it. PostgreSQL tests each get a uniquely named database
 * that is dropped afterwards.
 */
export type Backend = 'pglite' | 'postgres';

export interface TestDb {
  db: Db;
  backend: Backend;
  /** For PostgreSQL, the URL of this test's database (another process can open it). */
  url?: string;
  /** Closes the connection and drops the database. */
  dispose(): Promise<void>;
}

const adminUrl = process.env.BERTH_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function repoRoot(): string {
  return process.env.BERTH_REPO_ROOT ?? new URL('../../../../', import.meta.url).pathname;
}

let templatePromise: Promise<Blob> | undefined;

async function pgliteTemplate(): Promise<Blob> {
  templatePromise ??= (async () => {
    const migrations = loadMigrations();
    const key = createHash('sha256').update(migrations.map((m) => m.checksum).join(',')).digest('hex').slice(0, 16);
    const dir = join(repoRoot(), '.test-tmp');
    const file = join(dir, `pglite-template-${key}.tar.gz`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const pglite = new PGlite();
    await pglite.waitReady;
    await pglite.close();
    const fresh = await openPGlite();
    await migrate(fresh, migrations);
    const dump = await (fresh as Db & { pglite: PGlite }).pglite.dumpDataDir('gzip');
    await fresh.close();
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
    return dump;
  })();
  return templatePromise;
}

/** A migrated in-memory PGlite, cloned from the template. */
export async function openTestPGlite(): Promise<TestDb> {
  const db = await openPGlite({ loadDataDir: await pgliteTemplate() });
  return { db, backend: 'pglite', dispose: () => db.close() };
}

/** A fresh, migrated PostgreSQL database with a unique name; dropped by dispose(). */
export async function openTestPostgres(): Promise<TestDb> {
  const name = `berth_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openPostgres({ url: url.toString() });
  await migrate(db);
  return {
    db,
    backend: 'postgres',
    url: url.toString(),
    async dispose() {
      await db.close();
      const cleaner = new pg.Client({ connectionString: adminUrl });
      await cleaner.connect();
      try {
        await cleaner.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleaner.end();
      }
    },
  };
}

export function openTestDb(backend: Backend): Promise<TestDb> {
  return backend === 'postgres' ? openTestPostgres() : openTestPGlite();
}

let reachable: Promise<boolean> | undefined;

/** True when the test PostgreSQL server accepts TCP connections. */
export function postgresReachable(): Promise<boolean> {
  reachable ??= new Promise((resolve) => {
    const url = new URL(adminUrl);
    const socket = connect({ host: url.hostname, port: Number(url.port || 5432) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  return reachable;
}

/**
 * The backends a store suite runs on, each with the reason it is skipped (or undefined). PostgreSQL
 * runs whenever it answers; with BERTH_TEST_REQUIRE naming postgres, an unreachable server is a
 * failure, not a skip.
 */
export async function storeBackends(): Promise<Array<{ backend: Backend; skip: string | undefined }>> {
  const required = (process.env.BERTH_TEST_REQUIRE ?? '').split(',').map((s) => s.trim());
  const up = await postgresReachable();
  if (!up && required.includes('postgres')) {
    throw new Error(`BERTH_TEST_REQUIRE=postgres, but PostgreSQL at ${new URL(adminUrl).host} does not answer.`);
  }
  return [
    { backend: 'pglite', skip: undefined },
    { backend: 'postgres', skip: up ? undefined : `PostgreSQL at ${new URL(adminUrl).host} does not answer` },
  ];
}
