import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyStatement } from './classify-statement.js';
import type { Impact } from './impact.js';

// The corpus: one statement per row, with the class and parse node kind it must get. Each
// statement is classified on its own, without knowing what earlier migrations created.
const corpus: ReadonlyArray<readonly [sql: string, impact: Impact, kind: string]> = [
  // Tables and columns.
  ['CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)', 'expand', 'CreateStmt'],
  ['CREATE TABLE IF NOT EXISTS audit (id serial, at timestamptz DEFAULT now())', 'expand', 'CreateStmt'],
  ['ALTER TABLE users ADD COLUMN nickname text', 'expand', 'AlterTableStmt:AT_AddColumn'],
  ['ALTER TABLE users ADD COLUMN age int NOT NULL', 'contract', 'AlterTableStmt:AT_AddColumn'],
  ["ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free'", 'expand', 'AlterTableStmt:AT_AddColumn'],
  ['ALTER TABLE users ADD COLUMN seq bigserial NOT NULL', 'expand', 'AlterTableStmt:AT_AddColumn'],
  ['ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS IDENTITY', 'expand', 'AlterTableStmt:AT_AddColumn'],
  ['ALTER TABLE users DROP COLUMN nickname', 'destructive', 'AlterTableStmt:AT_DropColumn'],
  ['ALTER TABLE IF EXISTS ONLY public.users DROP COLUMN IF EXISTS nickname', 'destructive', 'AlterTableStmt:AT_DropColumn'],
  ['DROP TABLE users', 'destructive', 'DropStmt:OBJECT_TABLE'],
  ['DROP TABLE IF EXISTS users, sessions CASCADE', 'destructive', 'DropStmt:OBJECT_TABLE'],
  ['ALTER TABLE users RENAME COLUMN email TO email_address', 'contract', 'RenameStmt:OBJECT_COLUMN'],
  ['ALTER TABLE users RENAME TO accounts', 'contract', 'RenameStmt:OBJECT_TABLE'],
  ['ALTER TABLE users ALTER COLUMN id TYPE bigint', 'contract', 'AlterTableStmt:AT_AlterColumnType'],
  ['ALTER TABLE users ALTER COLUMN email SET DATA TYPE text', 'contract', 'AlterTableStmt:AT_AlterColumnType'],
  ['ALTER TABLE users ALTER COLUMN email TYPE varchar(50)', 'destructive', 'AlterTableStmt:AT_AlterColumnType'],
  ['ALTER TABLE users ALTER COLUMN id TYPE integer', 'destructive', 'AlterTableStmt:AT_AlterColumnType'],
  ['ALTER TABLE users ALTER COLUMN balance TYPE numeric(10,2) USING balance::numeric(10,2)', 'destructive', 'AlterTableStmt:AT_AlterColumnType'],
  ['ALTER TABLE users ALTER COLUMN email SET NOT NULL', 'contract', 'AlterTableStmt:AT_SetNotNull'],
  ['ALTER TABLE users ALTER COLUMN email DROP NOT NULL', 'expand', 'AlterTableStmt:AT_DropNotNull'],
  ["ALTER TABLE users ALTER COLUMN plan SET DEFAULT 'free'", 'expand', 'AlterTableStmt:AT_ColumnDefault'],
  ['ALTER TABLE users ALTER COLUMN plan DROP DEFAULT', 'contract', 'AlterTableStmt:AT_ColumnDefault'],
  ['ALTER TABLE users SET (fillfactor = 70)', 'none', 'AlterTableStmt:AT_SetRelOptions'],
  ['ALTER TABLE users ADD COLUMN a text, DROP COLUMN b', 'destructive', 'AlterTableStmt:AT_AddColumn+AT_DropColumn'],
  // Indexes.
  ['CREATE INDEX users_email_idx ON users (email)', 'expand', 'IndexStmt'],
  ['CREATE INDEX CONCURRENTLY users_email_idx ON users (email)', 'expand', 'IndexStmt'],
  ['CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)', 'contract', 'IndexStmt'],
  ['DROP INDEX users_email_idx', 'contract', 'DropStmt:OBJECT_INDEX'],
  ['DROP INDEX CONCURRENTLY IF EXISTS users_email_idx', 'contract', 'DropStmt:OBJECT_INDEX'],
  ['ALTER INDEX users_email_idx RENAME TO users_email_i', 'contract', 'RenameStmt:OBJECT_INDEX'],
  // Constraints.
  ['ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0) NOT VALID', 'expand', 'AlterTableStmt:AT_AddConstraint'],
  ['ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID', 'expand', 'AlterTableStmt:AT_AddConstraint'],
  ['ALTER TABLE users VALIDATE CONSTRAINT age_positive', 'contract', 'AlterTableStmt:AT_ValidateConstraint'],
  ['ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0)', 'contract', 'AlterTableStmt:AT_AddConstraint'],
  ['ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id)', 'contract', 'AlterTableStmt:AT_AddConstraint'],
  ['ALTER TABLE users ADD PRIMARY KEY (id)', 'contract', 'AlterTableStmt:AT_AddConstraint'],
  ['ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)', 'contract', 'AlterTableStmt:AT_AddConstraint'],
  ['ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx', 'expand', 'AlterTableStmt:AT_AddConstraint'],
  ['ALTER TABLE users DROP CONSTRAINT age_positive', 'contract', 'AlterTableStmt:AT_DropConstraint'],
  // Views, functions, triggers.
  ['CREATE VIEW active_users AS SELECT * FROM users WHERE active', 'expand', 'ViewStmt'],
  ['CREATE OR REPLACE VIEW active_users AS SELECT * FROM users WHERE active', 'contract', 'ViewStmt'],
  ['DROP VIEW active_users', 'contract', 'DropStmt:OBJECT_VIEW'],
  ['CREATE MATERIALIZED VIEW user_counts AS SELECT count(*) FROM users', 'expand', 'CreateTableAsStmt'],
  ["CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT a + b; $$", 'expand', 'CreateFunctionStmt'],
  ["CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b'", 'contract', 'CreateFunctionStmt'],
  ['DROP FUNCTION add(int, int)', 'contract', 'DropStmt:OBJECT_FUNCTION'],
  ['CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()', 'expand', 'CreateTrigStmt'],
  // Types, sequences, extensions, schemas.
  ['CREATE EXTENSION IF NOT EXISTS pgcrypto', 'expand', 'CreateExtensionStmt'],
  ["CREATE TYPE mood AS ENUM ('sad', 'ok')", 'expand', 'CreateEnumStmt'],
  ["ALTER TYPE mood ADD VALUE 'happy'", 'expand', 'AlterEnumStmt'],
  ["ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'", 'contract', 'AlterEnumStmt'],
  ['DROP TYPE mood', 'contract', 'DropStmt:OBJECT_TYPE'],
  ['DROP TYPE mood CASCADE', 'destructive', 'DropStmt:OBJECT_TYPE'],
  ['CREATE SEQUENCE invoice_numbers START 1000', 'expand', 'CreateSeqStmt'],
  ['DROP SEQUENCE invoice_numbers', 'destructive', 'DropStmt:OBJECT_SEQUENCE'],
  ['CREATE SCHEMA billing', 'expand', 'CreateSchemaStmt'],
  ['DROP SCHEMA billing CASCADE', 'destructive', 'DropStmt:OBJECT_SCHEMA'],
  // Data.
  ["UPDATE users SET plan = 'free' WHERE plan IS NULL", 'contract', 'UpdateStmt'],
  ["UPDATE users SET plan = 'free'", 'destructive', 'UpdateStmt'],
  ['DELETE FROM sessions WHERE expires_at < now()', 'contract', 'DeleteStmt'],
  ['DELETE FROM sessions', 'destructive', 'DeleteStmt'],
  ["INSERT INTO plans (name) VALUES ('free'), ('pro')", 'expand', 'InsertStmt'],
  ["INSERT INTO plans (name) VALUES ('free') ON CONFLICT (name) DO UPDATE SET name = excluded.name", 'contract', 'InsertStmt'],
  ["WITH gone AS (DELETE FROM sessions RETURNING id) SELECT count(*) FROM gone", 'destructive', 'SelectStmt'],
  ['TRUNCATE sessions', 'destructive', 'TruncateStmt'],
  ['SELECT count(*) FROM users', 'none', 'SelectStmt'],
  ['EXPLAIN ANALYZE DELETE FROM sessions', 'destructive', 'ExplainStmt'],
  // Comments, privileges, session and transaction control.
  ["COMMENT ON TABLE users IS 'people who sign in'", 'expand', 'CommentStmt'],
  ['GRANT SELECT, INSERT ON users TO app', 'expand', 'GrantStmt'],
  ['REVOKE INSERT ON users FROM app', 'contract', 'GrantStmt'],
  ['BEGIN', 'none', 'TransactionStmt'],
  ['COMMIT', 'none', 'TransactionStmt'],
  ["SET lock_timeout = '5s'", 'none', 'VariableSetStmt'],
  ['SET search_path TO billing, public', 'none', 'VariableSetStmt'],
  ['ANALYZE users', 'none', 'VacuumStmt'],
  ['LOCK TABLE users IN ACCESS EXCLUSIVE MODE', 'none', 'LockStmt'],
  // What the classifier cannot see into fails safe.
  ['DO $$ BEGIN PERFORM 1; END $$', 'contract', 'DoStmt'],
  ['CREATE POLICY own_rows ON users USING (id = current_setting(\'app.user\')::bigint)', 'contract', 'CreatePolicyStmt'],
  ['ALTER TABLE users ENABLE ROW LEVEL SECURITY', 'contract', 'AlterTableStmt:AT_EnableRowSecurity'],
];

describe('classifyStatement: the corpus', () => {
  test('holds at least 40 statements', () => {
    assert.ok(corpus.length >= 40, `only ${corpus.length} statements`);
  });

  for (const [sql, impact, kind] of corpus) {
    test(`${impact}: ${sql}`, async () => {
      const result = await classifyStatement(sql);
      assert.equal(result.impact, impact, result.reason);
      assert.equal(result.kind, kind);
      assert.equal(result.sql, sql);
      assert.ok(result.reason.length > 0);
    });
  }
});

describe('classifyStatement: evidence', () => {
  test('a plain CREATE INDEX is expand with a warning; CONCURRENTLY has none', async () => {
    const plain = await classifyStatement('CREATE INDEX i ON users (email)');
    assert.match(plain.warnings?.[0] ?? '', /blocks writes to users/);
    assert.deepEqual(plain.objects, ['users', 'users.email']);
    const concurrent = await classifyStatement('CREATE INDEX CONCURRENTLY i ON users (email)');
    assert.equal(concurrent.warnings, undefined);
  });

  test('an unrecognised statement is contract with the fail-safe reason', async () => {
    const result = await classifyStatement('ALTER TABLE users ENABLE ROW LEVEL SECURITY');
    assert.equal(result.reason, 'unrecognised statement kind AlterTableStmt:AT_EnableRowSecurity: treated as contract');
    const policy = await classifyStatement('CREATE POLICY p ON users USING (true)');
    assert.equal(policy.reason, 'unrecognised statement kind CreatePolicyStmt: treated as contract');
  });

  test('objects name the tables and columns touched', async () => {
    assert.deepEqual((await classifyStatement('ALTER TABLE billing.invoices DROP COLUMN total')).objects, ['billing.invoices', 'billing.invoices.total']);
    assert.deepEqual((await classifyStatement('UPDATE users SET plan = 1, age = 2 WHERE id = 3')).objects, ['users', 'users.plan', 'users.age']);
  });

  test('a narrowing without a known current type says so', async () => {
    const result = await classifyStatement('ALTER TABLE users ALTER COLUMN email TYPE varchar(50)');
    assert.match(result.reason, /users\.email to varchar\(50\), a bounded type, and its current type is unknown/);
  });

  test('the statement text drops surrounding comments and redacts passwords', async () => {
    const result = await classifyStatement("-- the app's role\nCREATE ROLE app LOGIN PASSWORD 'hunter2'; -- done\n");
    assert.equal(result.sql, "CREATE ROLE app LOGIN PASSWORD '[redacted]'");
    assert.ok(!JSON.stringify(result).includes('hunter2'));
  });

  test('comments alone are none; two statements are refused', async () => {
    assert.equal((await classifyStatement('-- nothing here\n/* at all */')).impact, 'none');
    await assert.rejects(classifyStatement('SELECT 1; SELECT 2'), { code: 'invalid_migration_sql' });
  });
});
