/**
 * DB impact: classifies what a deploy's SQL migrations do to the database and to the app that is
 * running now, for the deploy pipeline's "DB impact classified" gate and the database migration's
 * "expand/contract safe" and "old artifact compatibility checked" gates.
 *
 * SQL is read with the real PostgreSQL parser (libpg-query, PostgreSQL 18 compiled to
 * WebAssembly), never with regular expressions. Each statement gets one class:
 *
 * - `none`: no new migration files, or only statements that change no schema and no data
 *   (comments, SET, SELECT, BEGIN/COMMIT, VACUUM, ...).
 * - `expand`: backwards-compatible additions the running (old) app keeps working with: CREATE
 *   TABLE, CREATE INDEX (CONCURRENTLY or not; a plain CREATE INDEX locks writes and records a
 *   warning), ADD COLUMN nullable or with a DEFAULT, CREATE VIEW / FUNCTION / SEQUENCE / TYPE /
 *   EXTENSION / SCHEMA, ADD CONSTRAINT ... NOT VALID, CREATE TRIGGER, COMMENT ON, GRANT, ALTER TYPE
 *   ... ADD VALUE, DROP NOT NULL, SET DEFAULT, INSERT of new rows.
 * - `contract`: changes that break the old app without destroying data: ADD COLUMN NOT NULL
 *   without DEFAULT, SET NOT NULL, RENAME COLUMN / TABLE, ALTER COLUMN TYPE that is not a known
 *   narrowing, validated ADD CONSTRAINT (CHECK, UNIQUE, FOREIGN KEY, PRIMARY KEY), CREATE UNIQUE
 *   INDEX, DROP DEFAULT, DROP INDEX / VIEW / FUNCTION / CONSTRAINT, CREATE OR REPLACE of something
 *   the old app uses, REVOKE, UPDATE or DELETE with a WHERE clause, VALIDATE CONSTRAINT.
 * - `destructive`: data loss: DROP TABLE, DROP COLUMN, TRUNCATE, DROP SCHEMA, DROP TYPE / DOMAIN /
 *   EXTENSION ... CASCADE, DROP SEQUENCE, UPDATE or DELETE without WHERE, and ALTER COLUMN TYPE
 *   that narrows (text → varchar(n), bigint → int, numeric → numeric(p,s)). The column's current
 *   type comes from the migrations seen before; when it is unknown, a bounded target type
 *   (varchar(n), int, numeric(p,s), ...) is treated as narrowing.
 *
 * Anything the classifier does not recognise is `contract` with the reason "unrecognised statement
 * kind X: treated as contract": it fails safe and never answers `none`. A contract change to a
 * table that the same new migrations created is `expand`: the running app has never seen it.
 * A file, a deploy and a rollback take the worst class of their statements
 * (none < expand < contract < destructive).
 *
 * Across deploys, a migration edited after it was applied is `destructive` evidence, and a
 * migration production ran that the deploy no longer carries is `contract` (rollback risk).
 */
export { classifyMigrations, type DbImpactEvidence, type FileImpact, type Finding, type MigrationChange, type MigrationsImpact } from './classify-migrations.js';
export { classifySql, classifyStatement, type SqlImpact } from './classify-statement.js';
export { compareColumnTypes, type ColumnType, type TypeChange } from './column-types.js';
export { impactRank, worstImpact, type Impact, type StatementImpact } from './impact.js';
export type { MigrationFile } from './migration-diff.js';
export { compatibleWithAppliedSchema, type CompatibilityBlocker, type RollbackCompatibility } from './rollback-compatibility.js';
export { SchemaModel } from './schema-model.js';
