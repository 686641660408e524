/**
 * ALTER TABLE: one statement may carry several commands; each is classified and the statement
 * takes the worst. The kind lists the commands, e.g. `AlterTableStmt:AT_AddColumn+AT_DropColumn`.
 */
import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint } from 'libpg-query';
import { alterColumnType } from './alter-column-type.js';
import { isSerial } from './column-types.js';
import { mergeVerdicts, unrecognised, type Verdict } from './impact.js';
import type { RuleTable } from './rule-table.js';
import { tableKey, type SchemaModel } from './schema-model.js';

type Verdictless = Omit<Verdict, 'kind' | 'table'>;

const storageOnly = new Set([
  'AT_SetStatistics', 'AT_SetOptions', 'AT_ResetOptions', 'AT_SetStorage', 'AT_SetCompression', 'AT_ClusterOn',
  'AT_DropCluster', 'AT_SetRelOptions', 'AT_ResetRelOptions', 'AT_ReplaceRelOptions', 'AT_SetTableSpace', 'AT_SetAccessMethod',
]);

function alterTable(stmt: AlterTableStmt, schema: SchemaModel): Verdict {
  const table = tableKey(stmt.relation);
  const cmds = (stmt.cmds ?? []).flatMap((c) => ('AlterTableCmd' in c ? [c.AlterTableCmd] : []));
  const verdicts = cmds.map((cmd): Verdict => {
    const kind = `AlterTableStmt:${cmd.subtype ?? 'unknown'}`;
    const verdict = command(cmd, table, schema);
    return verdict ? { kind, table, ...verdict, objects: verdict.objects ?? [table] } : unrecognised(kind, table);
  });
  return mergeVerdicts(`AlterTableStmt:${cmds.map((c) => c.subtype ?? 'unknown').join('+')}`, verdicts);
}

/** The verdict for one command, or undefined when no rule knows it (the caller fails safe). */
function command(cmd: AlterTableCmd, table: string, schema: SchemaModel): Verdictless | undefined {
  const column = `${table}.${cmd.name ?? '?'}`;
  const objects = [table, column];
  switch (cmd.subtype) {
    case 'AT_AddColumn':
      return cmd.def && 'ColumnDef' in cmd.def ? addColumn(cmd.def.ColumnDef, table) : undefined;
    case 'AT_DropColumn':
      return { impact: 'destructive', reason: `drops column ${column} and every value in it`, objects };
    case 'AT_AlterColumnType':
      return cmd.def && 'ColumnDef' in cmd.def ? alterColumnType(table, cmd.name ?? '?', cmd.def.ColumnDef, schema) : undefined;
    case 'AT_SetNotNull':
      return {
        impact: 'contract',
        reason: `sets ${column} NOT NULL: writes from the old app that leave it NULL fail`,
        warnings: [`SET NOT NULL scans ${table} under an ACCESS EXCLUSIVE lock unless a validated CHECK (${cmd.name} IS NOT NULL) already proves it`],
        objects,
      };
    case 'AT_DropNotNull':
      return { impact: 'expand', reason: `lets ${column} hold NULL: the old app keeps working`, objects };
    case 'AT_ColumnDefault':
      return cmd.def
        ? { impact: 'expand', reason: `sets a DEFAULT on ${column}: the old app keeps working`, objects }
        : { impact: 'contract', reason: `drops the DEFAULT of ${column}: inserts from the old app that rely on it get NULL or fail`, objects };
    case 'AT_AddConstraint':
      return cmd.def && 'Constraint' in cmd.def ? addConstraint(cmd.def.Constraint, table) : undefined;
    case 'AT_ValidateConstraint':
      return { impact: 'contract', reason: `validates constraint ${cmd.name} on ${table}: every row must satisfy it from now on, and the migration fails if one does not`, objects: [table] };
    case 'AT_DropConstraint':
      return { impact: 'contract', reason: `drops constraint ${cmd.name} on ${table}: the old app may rely on it`, objects: [table] };
    default:
      if (cmd.subtype && storageOnly.has(cmd.subtype)) {
        const rewrites = cmd.subtype === 'AT_SetTableSpace' || cmd.subtype === 'AT_SetAccessMethod';
        return {
          impact: 'none',
          reason: `changes how ${table} is stored, not its schema or its data`,
          ...(rewrites ? { warnings: [`${cmd.subtype} rewrites ${table} under an ACCESS EXCLUSIVE lock`] } : {}),
          objects: [table],
        };
      }
      return undefined;
  }
}

function addColumn(def: ColumnDef, table: string): Verdictless {
  const column = `${table}.${def.colname ?? '?'}`;
  const constraints = (def.constraints ?? []).flatMap((c) => ('Constraint' in c ? [c.Constraint.contype] : []));
  const notNull = def.is_not_null || constraints.includes('CONSTR_NOTNULL') || constraints.includes('CONSTR_PRIMARY');
  // Identity and generated columns fill themselves; serial types carry a DEFAULT nextval().
  const filled = constraints.some((c) => c === 'CONSTR_DEFAULT' || c === 'CONSTR_IDENTITY' || c === 'CONSTR_GENERATED');
  const serial = def.typeName ? isSerial(def.typeName) : false;
  const objects = [table, column];
  if (notNull && !filled && !serial) {
    return { impact: 'contract', reason: `adds ${column} NOT NULL without a DEFAULT: inserts from the old app, which does not set it, fail`, objects };
  }
  if (filled || serial) return { impact: 'expand', reason: `adds column ${column} with a DEFAULT: the old app keeps working`, objects };
  return { impact: 'expand', reason: `adds nullable column ${column}: the old app keeps working`, objects };
}

const constraintWords: Readonly<Record<string, string>> = {
  CONSTR_CHECK: 'CHECK', CONSTR_UNIQUE: 'UNIQUE', CONSTR_FOREIGN: 'FOREIGN KEY', CONSTR_PRIMARY: 'PRIMARY KEY',
  CONSTR_EXCLUSION: 'EXCLUDE', CONSTR_NOTNULL: 'NOT NULL',
};

function addConstraint(constraint: Constraint, table: string): Verdictless | undefined {
  const words = constraint.contype ? constraintWords[constraint.contype] : undefined;
  if (!words) return undefined;
  const name = `${words} constraint${constraint.conname ? ` ${constraint.conname}` : ''}`;
  const objects = [table];
  if (constraint.skip_validation) {
    return { impact: 'expand', reason: `adds ${name} NOT VALID to ${table}: existing rows are not checked`, objects };
  }
  if (constraint.indexname && constraint.contype === 'CONSTR_UNIQUE') {
    return { impact: 'expand', reason: `turns unique index ${constraint.indexname} into ${name} on ${table}: what is enforced does not change`, objects };
  }
  const validates = constraint.contype === 'CONSTR_CHECK' || constraint.contype === 'CONSTR_FOREIGN';
  return {
    impact: 'contract',
    reason: `adds validated ${name} to ${table}: writes from the old app that violate it fail`,
    ...(validates ? { warnings: [`adding ${name} checks every row of ${table} under lock: add it NOT VALID, then VALIDATE CONSTRAINT in a later migration`] } : {}),
    objects,
  };
}

export const alterTableRules = { AlterTableStmt: alterTable } satisfies RuleTable;
