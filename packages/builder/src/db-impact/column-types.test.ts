import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'libpg-query';
import { columnTypeOf, compareColumnTypes, formatColumnType, mayNarrow, type ColumnType, type TypeChange } from './column-types.js';

/** The parser's view of a type as written in SQL. */
async function typeOf(sql: string): Promise<ColumnType> {
  const result = await parse(`CREATE TABLE t (c ${sql})`);
  const stmt = result.stmts?.[0]?.stmt;
  assert.ok(stmt && 'CreateStmt' in stmt);
  const column = stmt.CreateStmt.tableElts?.[0];
  assert.ok(column && 'ColumnDef' in column && column.ColumnDef.typeName);
  return columnTypeOf(column.ColumnDef.typeName);
}

const changes: ReadonlyArray<readonly [from: string, to: string, change: TypeChange]> = [
  ['text', 'varchar(50)', 'narrowing'],
  ['varchar(50)', 'varchar(20)', 'narrowing'],
  ['varchar(20)', 'varchar(50)', 'widening'],
  ['varchar(20)', 'text', 'widening'],
  ['char(3)', 'varchar(3)', 'widening'],
  ['bigint', 'integer', 'narrowing'],
  ['integer', 'smallint', 'narrowing'],
  ['smallint', 'bigint', 'widening'],
  ['serial', 'bigint', 'widening'],
  ['integer', 'integer', 'same'],
  ['numeric', 'numeric(10,2)', 'narrowing'],
  ['numeric(10,2)', 'numeric(12,2)', 'widening'],
  ['numeric(10,4)', 'numeric(10,2)', 'narrowing'],
  ['numeric(10,2)', 'integer', 'narrowing'],
  ['integer', 'numeric(12,0)', 'widening'],
  ['bigint', 'numeric(12,0)', 'narrowing'],
  ['double precision', 'real', 'narrowing'],
  ['real', 'double precision', 'widening'],
  ['integer', 'real', 'narrowing'],
  ['integer', 'double precision', 'widening'],
  ['timestamptz', 'date', 'narrowing'],
  ['timestamp(6)', 'timestamp(0)', 'narrowing'],
  ['integer', 'text', 'widening'],
  ['integer', 'varchar(5)', 'narrowing'],
  ['text', 'jsonb', 'conversion'],
  ['timestamp', 'timestamptz', 'conversion'],
  ['text[]', 'text', 'conversion'],
];

describe('compareColumnTypes', () => {
  for (const [from, to, change] of changes) {
    test(`${from} → ${to} is ${change}`, async () => {
      assert.equal(compareColumnTypes(await typeOf(from), await typeOf(to)), change);
    });
  }
});

describe('mayNarrow: targets treated as narrowing when the current type is unknown', () => {
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ['varchar(10)', true], ['char(2)', true], ['integer', true], ['smallint', true], ['numeric(8,2)', true], ['real', true], ['date', true],
    ['timestamptz(0)', true], ['bigint', false], ['text', false], ['varchar', false], ['numeric', false], ['jsonb', false], ['timestamptz', false],
  ];
  for (const [type, expected] of cases) {
    test(`${type}: ${expected}`, async () => {
      assert.equal(mayNarrow(await typeOf(type)), expected);
    });
  }
});

test('formatColumnType writes types as people do', async () => {
  assert.equal(formatColumnType(await typeOf('int8')), 'bigint');
  assert.equal(formatColumnType(await typeOf('character varying(12)')), 'varchar(12)');
  assert.equal(formatColumnType(await typeOf('numeric(10, 2)[]')), 'numeric(10,2)[]');
});
