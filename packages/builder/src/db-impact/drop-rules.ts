/**
 * Removals and renames. Dropping what holds data (a table, a sequence's position, a schema, a type
 * or extension with CASCADE, which drops the columns using it) is destructive. Dropping or renaming
 * what only names or derives data (an index, a view, a function) breaks the old app without losing
 * data: contract.
 */
import type { DropStmt } from 'libpg-query';
import { unrecognised, type Verdict } from './impact.js';
import { objectName, objectTypeWords, type RuleTable } from './rule-table.js';
import { tableKey } from './schema-model.js';

/** Object types whose drop loses data whatever the options. */
const holdsData: Readonly<Record<string, string>> = {
  OBJECT_TABLE: 'and every row in it',
  OBJECT_SEQUENCE: 'and its current position',
  OBJECT_SCHEMA: 'and everything in it',
};

/** Object types whose drop with CASCADE drops the columns that use them. */
const cascadesToColumns = new Set(['OBJECT_TYPE', 'OBJECT_DOMAIN', 'OBJECT_EXTENSION']);

/** Object types the old app may use but whose drop loses no stored data. */
const breaksOldApp = new Set([
  'OBJECT_TYPE', 'OBJECT_DOMAIN', 'OBJECT_EXTENSION', 'OBJECT_INDEX', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FUNCTION',
  'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_AGGREGATE', 'OBJECT_TRIGGER', 'OBJECT_POLICY', 'OBJECT_RULE',
  'OBJECT_FOREIGN_TABLE', 'OBJECT_OPERATOR', 'OBJECT_COLLATION', 'OBJECT_CAST', 'OBJECT_PUBLICATION',
]);

function drop(stmt: DropStmt): Verdict {
  const removeType = stmt.removeType ?? 'OBJECT_UNKNOWN';
  const kind = `DropStmt:${removeType}`;
  const objects = (stmt.objects ?? []).map(objectName);
  const what = `${objectTypeWords(removeType)} ${objects.join(', ')}`;
  const cascade = stmt.behavior === 'DROP_CASCADE';
  const loss = holdsData[removeType];
  if (loss) return { kind, impact: 'destructive', reason: `drops ${what} ${loss}`, objects };
  if (cascade && cascadesToColumns.has(removeType)) {
    return { kind, impact: 'destructive', reason: `drops ${what} with CASCADE, which also drops every column of that type and its values`, objects };
  }
  if (!breaksOldApp.has(removeType)) return unrecognised(kind);
  const warnings: string[] = [];
  if (cascade) warnings.push(`CASCADE also drops every object that depends on ${objects.join(', ')}`);
  if (removeType === 'OBJECT_INDEX' && !stmt.concurrent) warnings.push('DROP INDEX without CONCURRENTLY blocks reads and writes on its table until it is done');
  return { kind, impact: 'contract', reason: `drops ${what}: the old app may use it`, objects, ...(warnings.length > 0 ? { warnings } : {}) };
}

export const dropRules = {
  DropStmt: drop,
  TruncateStmt: (stmt) => {
    const tables = (stmt.relations ?? []).flatMap((r) => ('RangeVar' in r ? [tableKey(r.RangeVar)] : []));
    return { kind: 'TruncateStmt', impact: 'destructive', reason: `truncates ${tables.join(', ')}: every row is deleted`, objects: tables };
  },
  DropdbStmt: (stmt) => ({ kind: 'DropdbStmt', impact: 'destructive', reason: `drops database ${stmt.dbname ?? '?'} and all its data` }),
  DropOwnedStmt: () => ({ kind: 'DropOwnedStmt', impact: 'destructive', reason: 'drops every object the named roles own, tables and their rows included' }),
  RenameStmt: (stmt) => {
    const renameType = stmt.renameType ?? 'OBJECT_UNKNOWN';
    const kind = `RenameStmt:${renameType}`;
    const table = stmt.relation ? tableKey(stmt.relation) : undefined;
    if (renameType === 'OBJECT_COLUMN' && table) {
      const objects = [table, `${table}.${stmt.subname}`];
      return { kind, impact: 'contract', table, objects, reason: `renames column ${table}.${stmt.subname} to ${stmt.newname}: the old app still uses ${stmt.subname}` };
    }
    if (renameType === 'OBJECT_TABLE' && table) {
      return { kind, impact: 'contract', table, objects: [table], reason: `renames table ${table} to ${stmt.newname}: the old app still uses ${table}` };
    }
    const old = stmt.subname ?? table ?? (stmt.object ? objectName(stmt.object) : '?');
    return {
      kind,
      impact: 'contract',
      reason: `renames ${objectTypeWords(renameType)} ${old} to ${stmt.newname}: the old app may still use the old name`,
      ...(table ? { table, objects: [table] } : {}),
    };
  },
} satisfies RuleTable;
