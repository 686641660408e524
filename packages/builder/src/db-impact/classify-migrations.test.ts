import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyMigrations } from './classify-migrations.js';
import type { MigrationFile } from './migration-diff.js';

const production: MigrationFile[] = [
  { name: '0001_users.sql', sql: 'CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100) NOT NULL, name text);' },
  { name: '0002_sessions.sql', sql: 'CREATE TABLE sessions (id uuid PRIMARY KEY, user_id bigint NOT NULL);' },
];

describe('classifyMigrations', () => {
  test('no new migration is none', async () => {
    const result = await classifyMigrations(production, production);
    assert.equal(result.impact, 'none');
    assert.deepEqual(result.files, []);
    assert.equal(result.evidence.summary, 'no new migrations: none');
  });

  test('only files absent from production are classified, in name order', async () => {
    const deploy = [
      { name: '0004_index.sql', sql: 'CREATE INDEX CONCURRENTLY users_name_idx ON users (name);' },
      ...production,
      { name: '0003_nickname.sql', sql: 'ALTER TABLE users ADD COLUMN nickname text;' },
    ];
    const result = await classifyMigrations(deploy, production);
    assert.equal(result.impact, 'expand');
    assert.deepEqual(result.files.map((f) => [f.name, f.change, f.impact]), [
      ['0003_nickname.sql', 'added', 'expand'],
      ['0004_index.sql', 'added', 'expand'],
    ]);
    assert.deepEqual(result.evidence.added, ['0003_nickname.sql', '0004_index.sql']);
    assert.deepEqual(result.evidence.findings, []);
  });

  test('the column types production created decide between widening and narrowing', async () => {
    const deploy = [
      ...production,
      { name: '0003_email.sql', sql: 'ALTER TABLE users ALTER COLUMN email TYPE varchar(200);' },
      { name: '0004_name.sql', sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar(40);' },
    ];
    const result = await classifyMigrations(deploy, production);
    assert.deepEqual(result.files.map((f) => f.impact), ['contract', 'destructive']);
    assert.match(result.files[0]!.statements[0]!.reason, /widens users\.email from varchar\(100\) to varchar\(200\)/);
    assert.match(result.files[1]!.statements[0]!.reason, /narrows users\.name from text to varchar\(40\)/);
    assert.equal(result.evidence.findings[0]!.impact, 'destructive', 'the worst finding comes first');
    assert.match(result.evidence.summary, /^2 migration files new, edited or missing: destructive; worst: 0004_name\.sql: narrows/);
  });

  test('a table created in an earlier new file is new for the later ones', async () => {
    const deploy = [
      ...production,
      { name: '0003_invoices.sql', sql: 'CREATE TABLE invoices (id bigint);' },
      { name: '0004_invoices_total.sql', sql: 'ALTER TABLE invoices ADD COLUMN total numeric NOT NULL;' },
    ];
    const result = await classifyMigrations(deploy, production);
    assert.equal(result.impact, 'expand');
  });

  test('an edited migration is destructive evidence', async () => {
    const deploy = [production[0]!, { name: '0002_sessions.sql', sql: 'CREATE TABLE sessions (id uuid PRIMARY KEY, user_id bigint);' }];
    const result = await classifyMigrations(deploy, production);
    assert.equal(result.impact, 'destructive');
    const file = result.files[0]!;
    assert.equal(file.change, 'edited');
    assert.equal(file.reason, 'migration 0002_sessions.sql was edited after it was applied: migrations are never edited; add a new one');
    assert.equal(file.statements[0]!.kind, 'CreateStmt');
    assert.deepEqual(result.evidence.edited, ['0002_sessions.sql']);
    assert.deepEqual(result.evidence.findings, [{ file: '0002_sessions.sql', impact: 'destructive', reason: file.reason }]);
  });

  test('a migration gone from the deploy is contract', async () => {
    const result = await classifyMigrations([production[0]!], production);
    assert.equal(result.impact, 'contract');
    assert.deepEqual(result.files, [{ name: '0002_sessions.sql', change: 'missing', impact: 'contract', reason: 'migration 0002_sessions.sql is gone from this deploy', statements: [] }]);
    assert.deepEqual(result.evidence.missing, ['0002_sessions.sql']);
  });

  test('new, edited and missing together take the worst, and a late-sorting file is flagged', async () => {
    const deploy = [
      { name: '0001_users.sql', sql: production[0]!.sql + '\n-- touched' },
      { name: '0001a_hotfix.sql', sql: 'DELETE FROM sessions WHERE user_id IS NULL;' },
      { name: '0003_drop.sql', sql: 'ALTER TABLE users DROP COLUMN name;' },
    ];
    const result = await classifyMigrations(deploy, production);
    assert.equal(result.impact, 'destructive');
    assert.deepEqual(result.files.map((f) => [f.name, f.change, f.impact]), [
      ['0001_users.sql', 'edited', 'destructive'],
      ['0001a_hotfix.sql', 'added', 'contract'],
      ['0002_sessions.sql', 'missing', 'contract'],
      ['0003_drop.sql', 'added', 'destructive'],
    ]);
    assert.match(result.files[1]!.warnings?.[0] ?? '', /0001a_hotfix\.sql sorts before 0002_sessions\.sql/);
    assert.deepEqual(result.evidence.statementCounts, { none: 0, expand: 0, contract: 1, destructive: 1 });
  });

  test('the evidence is plain JSON and a gate evidence record', async () => {
    const deploy = [...production, { name: '0003.sql', sql: 'CREATE INDEX users_name_idx ON users (name);\nUPDATE users SET name = NULL;' }];
    const result = await classifyMigrations(deploy, production);
    const record: Record<string, unknown> = result.evidence;
    assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
    assert.equal(record['impact'], 'destructive');
    assert.deepEqual(result.evidence.warnings, ['0003.sql: CREATE INDEX without CONCURRENTLY blocks writes to users until the index is built']);
  });

  test('a syntax error in a new file names the file', async () => {
    await assert.rejects(classifyMigrations([...production, { name: '0003_bad.sql', sql: 'ALTER TABLE users\nDROP COLUMN;' }], production), {
      code: 'invalid_migration_sql',
      message: /^0003_bad\.sql: syntax error at or near ";" at line 2$/,
    });
  });
});
