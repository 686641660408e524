import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MigrationFile } from './migration-diff.js';
import { compatibleWithAppliedSchema } from './rollback-compatibility.js';

const older: MigrationFile[] = [
  { name: '0001_users.sql', sql: 'CREATE TABLE users (id bigint PRIMARY KEY, name text);' },
  { name: '0002_sessions.sql', sql: 'CREATE TABLE sessions (id uuid PRIMARY KEY, user_id bigint);' },
];

describe('compatibleWithAppliedSchema', () => {
  test('nothing applied since the artifact: compatible', async () => {
    const result = await compatibleWithAppliedSchema(older, older);
    assert.equal(result.compatible, true);
    assert.equal(result.reason, 'no migration was applied since 0002_sessions.sql: the artifact runs on the schema it was built against');
    assert.deepEqual(result.blocking, []);
  });

  test('only expand migrations applied since: compatible', async () => {
    const applied = [
      ...older,
      { name: '0003_plans.sql', sql: "CREATE TABLE plans (id bigint, name text NOT NULL);\nALTER TABLE plans ALTER name SET DEFAULT 'free';" },
      { name: '0004_user_plan.sql', sql: "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN plan_id bigint;\nCREATE INDEX CONCURRENTLY users_plan_idx ON users (plan_id);" },
      { name: '0005_plans_unique.sql', sql: 'CREATE UNIQUE INDEX plans_name_key ON plans (name);' },
    ];
    const result = await compatibleWithAppliedSchema(older, applied);
    assert.equal(result.compatible, true, result.reason);
    assert.equal(result.reason, 'all 3 migrations applied since 0002_sessions.sql only expand the schema: the artifact keeps working');
  });

  test('a contract or destructive migration applied since: incompatible, with what blocks', async () => {
    const applied = [
      ...older,
      { name: '0003_nickname.sql', sql: 'ALTER TABLE users ADD COLUMN nickname text;' },
      { name: '0004_rename.sql', sql: 'ALTER TABLE users RENAME COLUMN name TO full_name;' },
      { name: '0005_drop.sql', sql: 'ALTER TABLE sessions DROP COLUMN user_id;' },
    ];
    const result = await compatibleWithAppliedSchema(older, applied);
    assert.equal(result.compatible, false);
    assert.deepEqual(result.blocking.map((b) => [b.file, b.impact, b.kind]), [
      ['0004_rename.sql', 'contract', 'RenameStmt:OBJECT_COLUMN'],
      ['0005_drop.sql', 'destructive', 'AlterTableStmt:AT_DropColumn'],
    ]);
    assert.equal(result.blocking[0]!.sql, 'ALTER TABLE users RENAME COLUMN name TO full_name');
    assert.match(result.reason, /^2 changes applied since 0002_sessions\.sql may break the artifact's app; first: 0004_rename\.sql: renames column users\.name/);
  });

  test('a migration the artifact carries but the database lacks, or that differs, blocks', async () => {
    const missing = await compatibleWithAppliedSchema(older, [older[0]!]);
    assert.equal(missing.compatible, false);
    assert.match(missing.blocking[0]!.reason, /0002_sessions\.sql of the artifact is not applied/);
    const edited = await compatibleWithAppliedSchema(older, [older[0]!, { name: '0002_sessions.sql', sql: 'CREATE TABLE sessions (id uuid);' }]);
    assert.equal(edited.compatible, false);
    assert.equal(edited.blocking[0]!.impact, 'destructive');
  });

  test('a widening known from the artifact schema is still contract: incompatible', async () => {
    const applied = [...older, { name: '0003_widen.sql', sql: 'ALTER TABLE users ALTER COLUMN id TYPE numeric;' }];
    const result = await compatibleWithAppliedSchema(older, applied);
    assert.equal(result.compatible, false);
    assert.match(result.blocking[0]!.reason, /widens users\.id from bigint to numeric/);
    assert.equal(result.blocking[0]!.impact, 'contract');
  });
});
