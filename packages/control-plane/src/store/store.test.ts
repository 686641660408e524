import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@berth/testkit';
import { openTestDb, storeBackends, type TestDb } from '../testing/index.js';
import { loadMigrations, migrate, type Migration } from './migrate.js';
import { openPGlite } from './pglite-db.js';

// The same suite runs on PGlite and on PostgreSQL (when it answers, or always under
// BERTH_TEST_REQUIRE=postgres, where an unreachable server fails the run).
for (const { backend, skip } of await storeBackends()) {
  describe(`store on ${backend}`, { skip }, () => {
    let t: TestDb;
    before(async () => {
      t = await openTestDb(backend);
    });
    after(async () => t?.dispose());

    test('migrations are recorded and a second run applies nothing', async () => {
      const rows = await t.db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows.map((r) => r.name), loadMigrations().map((m) => m.name));
      assert.deepEqual(await migrate(t.db), []);
    });

    test('an applied migration that changed on disk is refused', async () => {
      const edited: Migration[] = loadMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
      await assert.rejects(migrate(t.db, edited), { code: 'migration_changed' });
    });

    test('a new migration is applied once, in order', async () => {
      const extra: Migration = { version: 9001, name: '9001_test_extra.sql', sql: 'CREATE TABLE test_extra (id int PRIMARY KEY);', checksum: 'x' };
      assert.deepEqual(await migrate(t.db, [...loadMigrations(), extra]), ['9001_test_extra.sql']);
      assert.deepEqual(await migrate(t.db, [...loadMigrations(), extra]), []);
    });

    test('a transaction commits when its function resolves', async () => {
      await t.db.exec('CREATE TABLE tx_commit (n int)');
      await t.db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_commit VALUES ($1)', [1]);
        await tx.query('INSERT INTO tx_commit VALUES ($1)', [2]);
      });
      assert.deepEqual(await t.db.query('SELECT n FROM tx_commit ORDER BY n'), [{ n: 1 }, { n: 2 }]);
    });

    test('an aborted transaction is rolled back and does not poison the next statement', async () => {
      await t.db.exec('CREATE TABLE tx_abort (n int PRIMARY KEY)');
      await assert.rejects(
        t.db.transaction(async (tx) => {
          await tx.query('INSERT INTO tx_abort VALUES (1)');
          await tx.query('INSERT INTO tx_abort VALUES (1)'); // duplicate key aborts the transaction
        }),
        /duplicate key/,
      );
      assert.deepEqual(await t.db.query('SELECT count(*)::int AS n FROM tx_abort'), [{ n: 0 }]);
      await t.db.query('INSERT INTO tx_abort VALUES (2)');
      assert.deepEqual(await t.db.query('SELECT n FROM tx_abort'), [{ n: 2 }]);
    });

    test('concurrent transactions do not interleave', async () => {
      await t.db.exec('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counter VALUES (1, 0);');
      await Promise.all(
        Array.from({ length: 50 }, () =>
          t.db.transaction(async (tx) => {
            const [row] = await tx.query<{ n: number }>('SELECT n FROM counter WHERE id = 1 FOR UPDATE');
            await tx.query('UPDATE counter SET n = $1 WHERE id = 1', [row!.n + 1]);
          }),
        ),
      );
      assert.deepEqual(await t.db.query('SELECT n FROM counter'), [{ n: 50 }]);
    });

    test('int8 and jsonb read the same on both backends', async () => {
      const [row] = await t.db.query<{ big: number; doc: unknown; at: Date }>(
        "SELECT 9007199254740991::int8 AS big, $1::jsonb AS doc, '2026-01-01T00:00:00Z'::timestamptz AS at",
        [JSON.stringify({ a: [1, 'x'] })],
      );
      assert.equal(row!.big, 9007199254740991);
      assert.deepEqual(row!.doc, { a: [1, 'x'] });
      assert.ok(row!.at instanceof Date);
      assert.equal(row!.at.toISOString(), '2026-01-01T00:00:00.000Z');
    });
  });
}

describe('PGlite data directory', () => {
  const storeModule = fileURLToPath(new URL('./index.js', import.meta.url));

  function holdDataDir(dataDir: string) {
    const child = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      `import { openPGlite } from ${JSON.stringify(storeModule)};
       await openPGlite({ dataDir: ${JSON.stringify(dataDir)} });
       console.log('ready');
       setInterval(() => {}, 1000);`,
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    return child;
  }

  test('keeps data across a close and reopen', async () => {
    const dir = await tempDir();
    try {
      const first = await openPGlite({ dataDir: dir.path });
      await first.exec('CREATE TABLE kept (v text); INSERT INTO kept VALUES (\'hello\');');
      await first.close();
      const second = await openPGlite({ dataDir: dir.path });
      assert.deepEqual(await second.query('SELECT v FROM kept'), [{ v: 'hello' }]);
      await second.close();
    } finally {
      await dir.remove();
    }
  });

  test('a second process opening a data directory in use is refused, naming the holder', async () => {
    const dir = await tempDir();
    const holder = holdDataDir(dir.path);
    try {
      const [line] = await once(holder.stdout!, 'data');
      assert.match(String(line), /ready/);
      await assert.rejects(openPGlite({ dataDir: dir.path }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'data_dir_locked');
        assert.match(error.message, new RegExp(`in use by process ${holder.pid}`));
        return true;
      });
    } finally {
      holder.kill('SIGKILL');
      await once(holder, 'exit');
    }
    // The holder died without releasing the lock: the stale lock is taken over.
    const db = await openPGlite({ dataDir: dir.path });
    assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }]);
    await db.close();
    await dir.remove();
  });
});
