/**
 * Classifies SQL text: one statement, or a whole migration file statement by statement, in order,
 * so that each statement is judged against the schema the statements before it left.
 */
import { BerthError } from '@berth/core';
import { classifyNode } from './classify-node.js';
import { worstImpact, type Impact, type StatementImpact, type Verdict } from './impact.js';
import { SchemaModel } from './schema-model.js';
import { parseStatements, type ParsedStatement } from './sql-statements.js';

/** The classification of one file of SQL. */
export interface SqlImpact {
  /** The worst statement's impact; `none` for a file without statements. */
  readonly impact: Impact;
  readonly statements: StatementImpact[];
}

const inlineFile = 'inline SQL';

/**
 * Classifies exactly one statement. A string of comments only is `none`; more than one statement
 * is refused (use `classifySql` for a file).
 */
export async function classifyStatement(sql: string, schema: SchemaModel = new SchemaModel()): Promise<StatementImpact> {
  const statements = await parseStatements(sql, inlineFile);
  if (statements.length === 0) return { sql: '', kind: 'Empty', impact: 'none', reason: 'comments only: no statement to run' };
  if (statements.length > 1) {
    throw new BerthError('invalid_migration_sql', `${inlineFile}: expected one statement, found ${statements.length}`, {
      details: { file: inlineFile, statements: statements.length },
      suggestion: 'Classify a file of several statements with classifySql.',
    });
  }
  return classifyParsed(statements[0]!, schema);
}

/**
 * Parses a whole file and classifies each statement. A syntax error throws
 * `invalid_migration_sql` with the file and line. Pass `schema` to continue from what earlier
 * migrations did; it is updated with this file's statements.
 */
export async function classifySql(sql: string, file: string = inlineFile, schema: SchemaModel = new SchemaModel()): Promise<SqlImpact> {
  const statements = (await parseStatements(sql, file)).map((statement) => classifyParsed(statement, schema));
  return { impact: worstImpact(statements.map((s) => s.impact)), statements };
}

/** Classifies, then records the statement's effect on the schema for the statements after it. */
function classifyParsed(statement: ParsedStatement, schema: SchemaModel): StatementImpact {
  const verdict = downgradeForNewTable(classifyNode(statement.node, schema), schema);
  schema.apply(statement.node);
  return {
    sql: statement.text,
    kind: verdict.kind,
    impact: verdict.impact,
    reason: verdict.reason,
    ...(verdict.warnings && verdict.warnings.length > 0 ? { warnings: [...verdict.warnings] } : {}),
    ...(verdict.objects && verdict.objects.length > 0 ? { objects: [...verdict.objects] } : {}),
  };
}

/**
 * A contract change to a table that these same migrations created cannot break the running app:
 * that app has never seen the table. Destructive changes stay destructive (rows the migrations
 * wrote are still lost), and so does everything on tables that existed before.
 */
function downgradeForNewTable(verdict: Verdict, schema: SchemaModel): Verdict {
  if (verdict.impact !== 'contract' || !verdict.table || !schema.isCreatedHere(verdict.table)) return verdict;
  return {
    ...verdict,
    impact: 'expand',
    reason: `${verdict.reason}; but ${verdict.table} is created by these migrations, so the running app does not use it yet`,
  };
}
