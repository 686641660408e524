/**
 * `ALTER COLUMN ... [SET DATA] TYPE`: a contract change at best (the old app reads and writes the
 * old type), destructive when the new type narrows the old one (text → varchar(n), bigint → int,
 * numeric → numeric(p,s)): values are then truncated, rounded or rejected.
 *
 * The parse node only names the new type. The old one comes from the schema model, built from the
 * migrations seen before; when it is unknown, a bounded target is treated as a narrowing.
 */
import type { ColumnDef } from 'libpg-query';
import { columnTypeOf, compareColumnTypes, formatColumnType, mayNarrow } from './column-types.js';
import type { Verdict } from './impact.js';
import type { SchemaModel } from './schema-model.js';

export function alterColumnType(table: string, name: string, def: ColumnDef, schema: SchemaModel): Omit<Verdict, 'kind' | 'table'> {
  const column = `${table}.${name}`;
  const objects = [table, column];
  if (!def.typeName) return { impact: 'contract', reason: `changes the type of ${column}`, objects };
  const target = columnTypeOf(def.typeName);
  const to = formatColumnType(target);
  const warnings = [`changing the type of ${column} usually rewrites ${table} under an ACCESS EXCLUSIVE lock`];
  if (def.raw_default) warnings.push(`the USING expression computes every value of ${column} anew`);
  const current = schema.columnType(table, name);
  if (!current) {
    return mayNarrow(target)
      ? { impact: 'destructive', reason: `changes ${column} to ${to}, a bounded type, and its current type is unknown: treated as a narrowing that loses values`, warnings, objects }
      : { impact: 'contract', reason: `changes ${column} to ${to}: the old app reads and writes the previous type`, warnings, objects };
  }
  const from = formatColumnType(current);
  switch (compareColumnTypes(current, target)) {
    case 'narrowing':
      return { impact: 'destructive', reason: `narrows ${column} from ${from} to ${to}: values that do not fit are truncated, rounded or rejected`, warnings, objects };
    case 'widening':
      return { impact: 'contract', reason: `widens ${column} from ${from} to ${to}: no value is lost, but the old app reads and writes the previous type`, warnings, objects };
    case 'same':
      return { impact: 'contract', reason: `sets ${column} to its current type ${to}${def.raw_default ? ' with a USING expression that may change its values' : ''}`, warnings, objects };
    case 'conversion':
      return { impact: 'contract', reason: `converts ${column} from ${from} to ${to}: the old app reads and writes the previous type`, warnings, objects };
  }
}
