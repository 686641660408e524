/**
 * Statements that change rows rather than the schema. New rows expand; targeted updates and
 * deletes change data the old app reads (contract); an UPDATE or DELETE without WHERE rewrites or
 * removes every row (destructive). A data-modifying CTE counts as the statement it hides.
 */
import type { DeleteStmt, InsertStmt, Node, UpdateStmt, WithClause } from 'libpg-query';
import { mergeVerdicts, unrecognised, type Verdict } from './impact.js';
import { nodeEntry, type RuleTable } from './rule-table.js';
import { tableKey, type SchemaModel } from './schema-model.js';

/** The statement's own verdict merged with those of any data-modifying CTEs it carries. */
function withCtes(own: Verdict, withClause: WithClause | undefined, schema: SchemaModel): Verdict {
  const inner = (withClause?.ctes ?? []).flatMap((cte) => {
    const query = 'CommonTableExpr' in cte ? cte.CommonTableExpr.ctequery : undefined;
    return query && !('SelectStmt' in query) ? [dataVerdict(query, schema)] : [];
  });
  return inner.length === 0 ? own : mergeVerdicts(own.kind, [own, ...inner]);
}

function insert(stmt: InsertStmt, schema: SchemaModel): Verdict {
  const table = tableKey(stmt.relation);
  const own: Verdict =
    stmt.onConflictClause?.action === 'ONCONFLICT_UPDATE'
      ? { kind: 'InsertStmt', impact: 'contract', table, objects: [table], reason: `inserts into ${table} and updates the rows that conflict: the old app sees changed data` }
      : { kind: 'InsertStmt', impact: 'expand', table, objects: [table], reason: `inserts new rows into ${table}: existing rows are unchanged` };
  return withCtes(own, stmt.withClause, schema);
}

function update(stmt: UpdateStmt, schema: SchemaModel): Verdict {
  const table = tableKey(stmt.relation);
  const columns = (stmt.targetList ?? []).flatMap((t) => ('ResTarget' in t && t.ResTarget.name ? [`${table}.${t.ResTarget.name}`] : []));
  const objects = [table, ...columns];
  const own: Verdict = stmt.whereClause
    ? { kind: 'UpdateStmt', impact: 'contract', table, objects, reason: `updates the rows of ${table} that match its WHERE clause: the old app sees changed data` }
    : { kind: 'UpdateStmt', impact: 'destructive', table, objects, reason: `updates every row of ${table} (no WHERE clause): the previous values are lost` };
  return withCtes(own, stmt.withClause, schema);
}

function remove(stmt: DeleteStmt, schema: SchemaModel): Verdict {
  const table = tableKey(stmt.relation);
  const own: Verdict = stmt.whereClause
    ? { kind: 'DeleteStmt', impact: 'contract', table, objects: [table], reason: `deletes the rows of ${table} that match its WHERE clause: a data change the old app sees` }
    : { kind: 'DeleteStmt', impact: 'destructive', table, objects: [table], reason: `deletes every row of ${table} (no WHERE clause)` };
  return withCtes(own, stmt.withClause, schema);
}

/** Classifies a statement that may appear inside a CTE or under EXPLAIN ANALYZE. */
function dataVerdict(node: Node, schema: SchemaModel): Verdict {
  if ('InsertStmt' in node) return insert(node.InsertStmt, schema);
  if ('UpdateStmt' in node) return update(node.UpdateStmt, schema);
  if ('DeleteStmt' in node) return remove(node.DeleteStmt, schema);
  if ('MergeStmt' in node) return dataRules.MergeStmt(node.MergeStmt, schema);
  if ('SelectStmt' in node) return dataRules.SelectStmt(node.SelectStmt, schema);
  return unrecognised(nodeEntry(node)[0]);
}

export const dataRules = {
  InsertStmt: insert,
  UpdateStmt: update,
  DeleteStmt: remove,
  MergeStmt: (stmt, schema) => {
    const table = tableKey(stmt.relation);
    const changesRows = (stmt.mergeWhenClauses ?? []).some(
      (c) => 'MergeWhenClause' in c && (c.MergeWhenClause.commandType === 'CMD_UPDATE' || c.MergeWhenClause.commandType === 'CMD_DELETE'),
    );
    const own: Verdict = changesRows
      ? { kind: 'MergeStmt', impact: 'contract', table, objects: [table], reason: `merges into ${table}, updating or deleting matched rows: the old app sees changed data` }
      : { kind: 'MergeStmt', impact: 'expand', table, objects: [table], reason: `merges into ${table} by inserting new rows only: existing rows are unchanged` };
    return withCtes(own, stmt.withClause, schema);
  },
  SelectStmt: (stmt, schema) => {
    if (stmt.intoClause) {
      const table = tableKey(stmt.intoClause.rel);
      return { kind: 'SelectStmt', impact: 'expand', objects: [table], reason: `creates table ${table} from a query (SELECT INTO): the old app does not use it` };
    }
    return withCtes({ kind: 'SelectStmt', impact: 'none', reason: 'reads data only: changes no schema and no data' }, stmt.withClause, schema);
  },
  ExplainStmt: (stmt, schema) => {
    // EXPLAIN ANALYZE executes the statement it explains; plain EXPLAIN only plans it.
    const analyze = (stmt.options ?? []).some((o) => 'DefElem' in o && o.DefElem.defname === 'analyze');
    if (analyze && stmt.query) return { ...dataVerdict(stmt.query, schema), kind: 'ExplainStmt' };
    return { kind: 'ExplainStmt', impact: 'none', reason: 'plans a statement without running it: changes no schema and no data' };
  },
  CopyStmt: (stmt) => {
    const table = tableKey(stmt.relation);
    return stmt.is_from
      ? { kind: 'CopyStmt', impact: 'expand', table, objects: [table], reason: `copies new rows into ${table}: existing rows are unchanged` }
      : { kind: 'CopyStmt', impact: 'none', reason: 'copies data out: changes no schema and no data' };
  },
  RefreshMatViewStmt: (stmt) => ({
    kind: 'RefreshMatViewStmt',
    impact: 'none',
    reason: `recomputes materialized view ${tableKey(stmt.relation)} from its query: changes no schema and no stored source data`,
    ...(stmt.concurrent ? {} : { warnings: [`REFRESH without CONCURRENTLY blocks reads of ${tableKey(stmt.relation)} until it is done`] }),
  }),
  DoStmt: () => ({ kind: 'DoStmt', impact: 'contract', reason: 'runs an anonymous code block whose effect the classifier cannot see: treated as contract' }),
  CallStmt: () => ({ kind: 'CallStmt', impact: 'contract', reason: 'calls a procedure whose effect the classifier cannot see: treated as contract' }),
} satisfies RuleTable;
