/**
 * Additions: new tables, indexes, views, functions, types, sequences, extensions, schemas,
 * triggers, comments and grants. They expand the schema, and the old app keeps working, except
 * where "adding" replaces something the old app already uses (CREATE OR REPLACE) or starts
 * refusing its writes (a unique index).
 */
import type { IndexStmt } from 'libpg-query';
import type { Verdict } from './impact.js';
import { objectName, objectTypeWords, strings, type RuleTable } from './rule-table.js';
import { tableKey, type SchemaModel } from './schema-model.js';

function created(kind: string, what: string, objects?: string[]): Verdict {
  return { kind, impact: 'expand', reason: `creates ${what}: the old app does not use it and keeps working`, ...(objects ? { objects } : {}) };
}

function replaced(kind: string, what: string, objects: string[]): Verdict {
  return { kind, impact: 'contract', reason: `replaces ${what} if it exists: the old app may depend on its current definition`, objects };
}

function index(stmt: IndexStmt, schema: SchemaModel): Verdict {
  const table = tableKey(stmt.relation);
  const name = stmt.idxname ? `index ${stmt.idxname}` : 'an index';
  const objects = [table, ...(stmt.indexParams ?? []).flatMap((p) => ('IndexElem' in p && p.IndexElem.name ? [`${table}.${p.IndexElem.name}`] : []))];
  // Building without CONCURRENTLY holds a SHARE lock: writes to the table wait for the whole build.
  const warnings = stmt.concurrent || schema.isCreatedHere(table) ? [] : [`CREATE INDEX without CONCURRENTLY blocks writes to ${table} until the index is built`];
  const base = { kind: 'IndexStmt', table, objects, ...(warnings.length > 0 ? { warnings } : {}) };
  if (stmt.unique) {
    return { ...base, impact: 'contract', reason: `creates unique ${name} on ${table}: writes from the old app that duplicate a value fail` };
  }
  return { ...base, impact: 'expand', reason: `creates ${name} on ${table}: the old app keeps working` };
}

export const createRules = {
  CreateStmt: (stmt) => {
    const table = tableKey(stmt.relation);
    const parent = stmt.partbound && stmt.inhRelations?.[0] && 'RangeVar' in stmt.inhRelations[0] ? ` as a partition of ${tableKey(stmt.inhRelations[0].RangeVar)}` : '';
    return created('CreateStmt', `table ${table}${parent}`, [table]);
  },
  CreateTableAsStmt: (stmt) => {
    const table = tableKey(stmt.into?.rel);
    return created('CreateTableAsStmt', `${objectTypeWords(stmt.objtype)} ${table} from a query`, [table]);
  },
  IndexStmt: index,
  ViewStmt: (stmt) => {
    const view = tableKey(stmt.view);
    return stmt.replace ? replaced('ViewStmt', `view ${view}`, [view]) : created('ViewStmt', `view ${view}`, [view]);
  },
  CreateFunctionStmt: (stmt) => {
    const name = strings(stmt.funcname).join('.');
    const what = `${stmt.is_procedure ? 'procedure' : 'function'} ${name}`;
    return stmt.replace ? replaced('CreateFunctionStmt', what, [name]) : created('CreateFunctionStmt', what, [name]);
  },
  CreateTrigStmt: (stmt) => {
    const table = tableKey(stmt.relation);
    const what = `trigger ${stmt.trigname ?? '?'} on ${table}`;
    return stmt.replace ? replaced('CreateTrigStmt', what, [table]) : created('CreateTrigStmt', what, [table]);
  },
  CreateSeqStmt: (stmt) => created('CreateSeqStmt', `sequence ${tableKey(stmt.sequence)}`, [tableKey(stmt.sequence)]),
  CreateEnumStmt: (stmt) => created('CreateEnumStmt', `enum type ${strings(stmt.typeName).join('.')}`, [strings(stmt.typeName).join('.')]),
  CompositeTypeStmt: (stmt) => created('CompositeTypeStmt', `composite type ${tableKey(stmt.typevar)}`, [tableKey(stmt.typevar)]),
  CreateRangeStmt: (stmt) => created('CreateRangeStmt', `range type ${strings(stmt.typeName).join('.')}`, [strings(stmt.typeName).join('.')]),
  CreateDomainStmt: (stmt) => created('CreateDomainStmt', `domain ${strings(stmt.domainname).join('.')}`, [strings(stmt.domainname).join('.')]),
  DefineStmt: (stmt) => {
    if (stmt.replace) return replaced('DefineStmt', `${objectTypeWords(stmt.kind)} ${strings(stmt.defnames).join('.')}`, [strings(stmt.defnames).join('.')]);
    return created('DefineStmt', `${objectTypeWords(stmt.kind)} ${strings(stmt.defnames).join('.')}`, [strings(stmt.defnames).join('.')]);
  },
  CreateExtensionStmt: (stmt) => created('CreateExtensionStmt', `extension ${stmt.extname ?? '?'}`, [stmt.extname ?? '?']),
  CreateSchemaStmt: (stmt) => created('CreateSchemaStmt', `schema ${stmt.schemaname ?? '?'}`, [stmt.schemaname ?? '?']),
  CreateRoleStmt: (stmt) => created('CreateRoleStmt', `role ${stmt.role ?? '?'}`),
  CommentStmt: (stmt) => ({
    kind: 'CommentStmt',
    impact: 'expand',
    reason: `sets the comment on ${objectTypeWords(stmt.objtype)} ${stmt.object ? objectName(stmt.object) : '?'}: documentation only`,
  }),
  GrantStmt: (stmt) => {
    // An empty privilege list is ALL PRIVILEGES.
    const privileges = (stmt.privileges ?? []).flatMap((p) => ('AccessPriv' in p ? [p.AccessPriv.priv_name ?? 'all'] : []));
    const what = `${privileges.join(', ') || 'all privileges'} on ${objectTypeWords(stmt.objtype)} ${(stmt.objects ?? []).map(objectName).join(', ')}`;
    return stmt.is_grant
      ? { kind: 'GrantStmt', impact: 'expand', reason: `grants ${what}: the old app keeps every privilege it has` }
      : { kind: 'GrantStmt', impact: 'contract', reason: `revokes ${what}: the old app may use that privilege` };
  },
  GrantRoleStmt: (stmt) =>
    stmt.is_grant
      ? { kind: 'GrantRoleStmt', impact: 'expand', reason: 'grants role membership: the old app keeps every privilege it has' }
      : { kind: 'GrantRoleStmt', impact: 'contract', reason: 'revokes role membership: the old app may depend on it' },
  AlterEnumStmt: (stmt) => {
    const type = strings(stmt.typeName).join('.');
    return stmt.oldVal
      ? { kind: 'AlterEnumStmt', impact: 'contract', reason: `renames value ${stmt.oldVal} of enum ${type} to ${stmt.newVal}: the old app still reads and writes ${stmt.oldVal}`, objects: [type] }
      : { kind: 'AlterEnumStmt', impact: 'expand', reason: `adds value ${stmt.newVal} to enum ${type}: the old app keeps working`, objects: [type] };
  },
} satisfies RuleTable;
