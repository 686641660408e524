/**
 * The shape of the classifier's rules: one function per parse node name, typed by the node's body,
 * plus the helpers rules share to name the objects a statement touches.
 */
import type { Node } from 'libpg-query';
import type { Verdict } from './impact.js';
import type { SchemaModel } from './schema-model.js';

/** Every parse node name, e.g. `AlterTableStmt`, `DropStmt`. */
export type NodeName = Node extends infer N ? (N extends unknown ? keyof N & string : never) : never;

/** The body of the node called `K`, e.g. `AlterTableStmt` for `'AlterTableStmt'`. */
export type BodyOf<K extends NodeName> = Extract<Node, Record<K, unknown>>[K];

/** A rule sees the node's body and the schema as the earlier statements left it. */
export type Rule<K extends NodeName> = (body: BodyOf<K>, schema: SchemaModel) => Verdict;

export type RuleTable = { readonly [K in NodeName]?: Rule<K> };

/** The name and body of a node (a parse node is an object with exactly one key). */
export function nodeEntry(node: Node): [NodeName, unknown] {
  const [name, body] = Object.entries(node)[0] ?? ['Unknown', {}];
  return [name as NodeName, body];
}

/** The `sval`s of a list of `String` nodes, e.g. a qualified name. */
export function strings(nodes: readonly Node[] | undefined): string[] {
  return (nodes ?? []).flatMap((n) => ('String' in n ? [n.String.sval ?? ''] : []));
}

/** A printable name for one entry of a DROP/COMMENT object list. */
export function objectName(node: Node): string {
  if ('String' in node) return node.String.sval ?? '?';
  if ('List' in node) return strings(node.List.items).join('.');
  if ('TypeName' in node) return strings(node.TypeName.names).join('.');
  if ('ObjectWithArgs' in node) {
    const args = (node.ObjectWithArgs.objargs ?? []).map((a) => ('TypeName' in a ? strings(a.TypeName.names).filter((n) => n !== 'pg_catalog').join('.') : '?'));
    return `${strings(node.ObjectWithArgs.objname).join('.')}(${args.join(', ')})`;
  }
  if ('RangeVar' in node) return node.RangeVar.relname ?? '?';
  return nodeEntry(node)[0];
}

/** `OBJECT_MATVIEW` → `materialized view`: the words a person reads in a reason. */
export function objectTypeWords(objectType: string | undefined): string {
  const words: Record<string, string> = { MATVIEW: 'materialized view', TABCONSTRAINT: 'constraint', FOREIGN_TABLE: 'foreign table' };
  const bare = (objectType ?? 'OBJECT_UNKNOWN').replace(/^OBJECT_/, '');
  return words[bare] ?? bare.toLowerCase().replace(/_/g, ' ');
}
