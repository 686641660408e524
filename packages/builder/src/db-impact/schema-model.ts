/**
 * What the classifier knows about the schema while it walks migrations in order: the tables, the
 * type of each column, and which tables the migrations being classified created themselves.
 *
 * Two facts depend on it. `ALTER COLUMN ... TYPE` is only a known narrowing when the column's
 * current type is known. A change to a table that the new migrations created cannot break the
 * running app, which has never seen that table.
 */
import type { Node, RangeVar } from 'libpg-query';
import { columnTypeOf, type ColumnType } from './column-types.js';

interface TableModel {
  /** True when the migrations being classified created the table (rather than production). */
  readonly createdHere: boolean;
  readonly columns: Map<string, ColumnType>;
}

/** A table's key: `schema.name`, or `name` alone in the default schema `public`. */
export function tableKey(relation: RangeVar | undefined): string {
  const name = relation?.relname ?? '?';
  return relation?.schemaname && relation.schemaname !== 'public' ? `${relation.schemaname}.${name}` : name;
}

export class SchemaModel {
  private readonly tables = new Map<string, TableModel>();

  /**
   * @param phase `applied` while replaying migrations the database already ran; `new` while
   *   classifying the migrations of a deploy (tables created then are "created here").
   */
  constructor(private phase: 'applied' | 'new' = 'new') {}

  /** From now on, tables created are created by the migrations under classification. */
  beginNewMigrations(): void {
    this.phase = 'new';
  }

  clone(): SchemaModel {
    const copy = new SchemaModel(this.phase);
    for (const [key, table] of this.tables) copy.tables.set(key, { createdHere: table.createdHere, columns: new Map(table.columns) });
    return copy;
  }

  isCreatedHere(table: string): boolean {
    return this.tables.get(table)?.createdHere ?? false;
  }

  /** The column's current type, when a migration seen so far declared it. */
  columnType(table: string, column: string): ColumnType | undefined {
    return this.tables.get(table)?.columns.get(column);
  }

  /** Records what one statement did to tables and columns; everything else is ignored. */
  apply(node: Node): void {
    if ('CreateStmt' in node) {
      const stmt = node.CreateStmt;
      const key = tableKey(stmt.relation);
      if (this.tables.has(key)) return;
      // CREATE TABLE IF NOT EXISTS of a table this model never saw may well exist already: it is
      // not counted as created here, so changes to it are never downgraded.
      const table = this.addTable(key, !stmt.if_not_exists);
      for (const element of stmt.tableElts ?? []) {
        if ('ColumnDef' in element && element.ColumnDef.colname && element.ColumnDef.typeName) {
          table.columns.set(element.ColumnDef.colname, columnTypeOf(element.ColumnDef.typeName));
        }
      }
    } else if ('CreateTableAsStmt' in node) {
      const key = tableKey(node.CreateTableAsStmt.into?.rel);
      if (!this.tables.has(key)) this.addTable(key, !node.CreateTableAsStmt.if_not_exists);
    } else if ('SelectStmt' in node && node.SelectStmt.intoClause) {
      const key = tableKey(node.SelectStmt.intoClause.rel);
      if (!this.tables.has(key)) this.addTable(key, true);
    } else if ('AlterTableStmt' in node) {
      this.applyAlterTable(node.AlterTableStmt.relation, node.AlterTableStmt.cmds ?? []);
    } else if ('RenameStmt' in node) {
      const stmt = node.RenameStmt;
      const key = tableKey(stmt.relation);
      const table = this.tables.get(key);
      if (!table || !stmt.newname) return;
      if (stmt.renameType === 'OBJECT_TABLE') {
        this.tables.delete(key);
        this.tables.set(tableKey({ ...stmt.relation, relname: stmt.newname }), table);
      } else if (stmt.renameType === 'OBJECT_COLUMN' && stmt.subname) {
        const type = table.columns.get(stmt.subname);
        table.columns.delete(stmt.subname);
        if (type) table.columns.set(stmt.newname, type);
      }
    } else if ('DropStmt' in node && node.DropStmt.removeType === 'OBJECT_TABLE') {
      for (const object of node.DropStmt.objects ?? []) {
        if (!('List' in object)) continue;
        const names = (object.List.items ?? []).map((item) => ('String' in item ? (item.String.sval ?? '') : ''));
        const relname = names[names.length - 1];
        this.tables.delete(tableKey({ relname, ...(names.length > 1 ? { schemaname: names[names.length - 2] } : {}) }));
      }
    }
  }

  private addTable(key: string, mayBeNew: boolean): TableModel {
    const table: TableModel = { createdHere: this.phase === 'new' && mayBeNew, columns: new Map() };
    this.tables.set(key, table);
    return table;
  }

  private applyAlterTable(relation: RangeVar | undefined, cmds: Node[]): void {
    const table = this.tables.get(tableKey(relation));
    if (!table) return;
    for (const cmd of cmds) {
      if (!('AlterTableCmd' in cmd)) continue;
      const { subtype, name, def } = cmd.AlterTableCmd;
      const column = def && 'ColumnDef' in def ? def.ColumnDef : undefined;
      if (subtype === 'AT_AddColumn' && column?.colname && column.typeName) table.columns.set(column.colname, columnTypeOf(column.typeName));
      if (subtype === 'AT_AlterColumnType' && name && column?.typeName) table.columns.set(name, columnTypeOf(column.typeName));
      if (subtype === 'AT_DropColumn' && name) table.columns.delete(name);
    }
  }
}
