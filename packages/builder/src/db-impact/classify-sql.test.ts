import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BerthError } from '@berth/core';
import { classifySql } from './classify-statement.js';

describe('classifySql: files of several statements', () => {
  test('a file takes its worst statement', async () => {
    const sql = [
      '-- 0007_plans.sql',
      "SET lock_timeout = '5s';",
      'CREATE TABLE plans (id bigint PRIMARY KEY, name text);',
      'ALTER TABLE users ADD COLUMN plan_id bigint;',
      'ALTER TABLE users RENAME COLUMN name TO full_name;',
      'CREATE INDEX CONCURRENTLY users_plan_idx ON users (plan_id);',
    ].join('\n');
    const result = await classifySql(sql, '0007_plans.sql');
    assert.deepEqual(result.statements.map((s) => s.impact), ['none', 'expand', 'expand', 'contract', 'expand']);
    assert.equal(result.impact, 'contract');
    assert.equal(result.statements[3]?.sql, 'ALTER TABLE users RENAME COLUMN name TO full_name');
  });

  test('one destructive statement makes the file destructive', async () => {
    const result = await classifySql('BEGIN; CREATE TABLE a (id int); DROP TABLE b; COMMIT;', 'x.sql');
    assert.equal(result.impact, 'destructive');
  });

  test('an empty file or a file of comments is none', async () => {
    assert.deepEqual(await classifySql('', 'empty.sql'), { impact: 'none', statements: [] });
    assert.deepEqual(await classifySql('-- later\n/* maybe */\n', 'comments.sql'), { impact: 'none', statements: [] });
  });

  test('semicolons in strings, dollar-quoted bodies and comments do not split statements', async () => {
    const sql = [
      "INSERT INTO notes (body) VALUES ('a; DROP TABLE users; --');",
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN DELETE FROM x; RETURN 1; END $body$;',
      '/* DROP TABLE users; */ SELECT 1',
    ].join('\n');
    const result = await classifySql(sql, 'tricky.sql');
    assert.deepEqual(result.statements.map((s) => s.kind), ['InsertStmt', 'CreateFunctionStmt', 'SelectStmt']);
    assert.equal(result.impact, 'expand');
    assert.equal(result.statements[2]?.sql, 'SELECT 1');
  });

  test('statement text is cut right after multibyte characters', async () => {
    const result = await classifySql("COMMENT ON TABLE café IS 'crème brûlée';\nDROP TABLE café;", 'utf8.sql');
    assert.deepEqual(result.statements.map((s) => s.sql), ["COMMENT ON TABLE café IS 'crème brûlée'", 'DROP TABLE café']);
  });
});

describe('classifySql: syntax errors', () => {
  test('a syntax error names the file and the line', async () => {
    const sql = 'CREATE TABLE a (id int);\n\n-- next\nALTER TABLE a ADD COLUM b int;\n';
    await assert.rejects(classifySql(sql, '0003_broken.sql'), (error: unknown) => {
      assert.ok(error instanceof BerthError);
      assert.equal(error.code, 'invalid_migration_sql');
      assert.equal(error.message, '0003_broken.sql: syntax error at or near "int" at line 4');
      assert.deepEqual(error.details, { file: '0003_broken.sql', line: 4, cursorPosition: sql.indexOf('int;', 30) });
      return true;
    });
  });

  test('the line counts characters, not bytes, before the error', async () => {
    const sql = "SELECT 'ünïcödé';\nSELECT 'ok';\nSELEC 3;";
    await assert.rejects(classifySql(sql, 'u.sql'), { code: 'invalid_migration_sql', message: 'u.sql: syntax error at or near "SELEC" at line 3' });
  });

  test('an unterminated string is reported where it starts', async () => {
    await assert.rejects(classifySql("SELECT 1;\nSELECT 'open", 'open.sql'), { message: /^open\.sql: unterminated quoted string .* at line 2$/ });
  });
});

describe('classifySql: statements see what the earlier ones did', () => {
  test('a known widening is contract, a known narrowing destructive', async () => {
    const widen = await classifySql('ALTER TABLE t ALTER a TYPE integer', 'w.sql');
    assert.equal(widen.impact, 'destructive', 'without the current type, integer may narrow');
    const known = await classifySql('CREATE TABLE IF NOT EXISTS t (a smallint, b varchar(10));\nALTER TABLE t ALTER a TYPE integer;\nALTER TABLE t ALTER b TYPE varchar(20);', 'k.sql');
    assert.deepEqual(known.statements.map((s) => s.impact), ['expand', 'contract', 'contract']);
    assert.match(known.statements[1]!.reason, /widens t\.a from smallint to integer/);
    const narrow = await classifySql('CREATE TABLE IF NOT EXISTS t (a bigint);\nALTER TABLE t ALTER a TYPE bigint;\nALTER TABLE t ALTER a TYPE integer;', 'n.sql');
    assert.deepEqual(narrow.statements.map((s) => s.impact), ['expand', 'contract', 'destructive']);
    assert.match(narrow.statements[2]!.reason, /narrows t\.a from bigint to integer/);
  });

  test('a contract change to a table created by the same migrations is expand', async () => {
    const sql = [
      'CREATE TABLE invoices (id bigint, user_id bigint);',
      'ALTER TABLE invoices ADD COLUMN total numeric NOT NULL;',
      'ALTER TABLE invoices ADD CONSTRAINT invoices_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      'CREATE UNIQUE INDEX invoices_id_key ON invoices (id);',
      'ALTER TABLE invoices RENAME COLUMN total TO amount;',
      'ALTER TABLE users ADD COLUMN vip boolean NOT NULL;',
      'ALTER TABLE invoices DROP COLUMN amount;',
    ].join('\n');
    const result = await classifySql(sql, 'new-table.sql');
    assert.deepEqual(result.statements.map((s) => s.impact), ['expand', 'expand', 'expand', 'expand', 'expand', 'contract', 'destructive']);
    assert.match(result.statements[1]!.reason, /invoices is created by these migrations/);
    assert.equal(result.statements[3]!.warnings, undefined, 'no lock warning for an index on a new, empty table');
  });

  test('CREATE TABLE IF NOT EXISTS of an unseen table is not taken as new', async () => {
    const result = await classifySql('CREATE TABLE IF NOT EXISTS users (id int);\nALTER TABLE users ALTER id SET NOT NULL;', 'ine.sql');
    assert.equal(result.statements[1]!.impact, 'contract');
  });
});
