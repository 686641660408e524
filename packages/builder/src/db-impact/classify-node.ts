/**
 * The dispatch from a parse node to its rule. A node no rule knows is `contract` ("unrecognised
 * statement kind X: treated as contract"), never `none`: the classifier fails safe.
 */
import type { Node } from 'libpg-query';
import { alterTableRules } from './alter-table-rules.js';
import { createRules } from './create-rules.js';
import { dataRules } from './data-rules.js';
import { dropRules } from './drop-rules.js';
import { unrecognised, type Verdict } from './impact.js';
import { nodeEntry, type NodeName, type RuleTable } from './rule-table.js';
import type { SchemaModel } from './schema-model.js';

/** Statements that change no schema and no data: session settings, transaction control, upkeep. */
const noChange: Partial<Record<NodeName, string>> = {
  TransactionStmt: 'transaction control: changes no schema and no data',
  VariableSetStmt: 'a session or transaction setting: changes no schema and no data',
  VariableShowStmt: 'shows a setting: changes no schema and no data',
  ConstraintsSetStmt: 'sets when constraints are checked in this transaction: changes no schema and no data',
  DiscardStmt: 'discards session state: changes no schema and no data',
  NotifyStmt: 'sends a notification: changes no schema and no data',
  ListenStmt: 'listens for notifications: changes no schema and no data',
  UnlistenStmt: 'stops listening for notifications: changes no schema and no data',
  CheckPointStmt: 'forces a checkpoint: changes no schema and no data',
  VacuumStmt: 'vacuums or analyzes: changes no schema and no data',
  PrepareStmt: 'prepares a statement without running it: changes no schema and no data',
  DeallocateStmt: 'frees a prepared statement: changes no schema and no data',
};

/** Upkeep that changes no schema and no data but takes locks worth knowing about. */
const noChangeWithLock: Partial<Record<NodeName, [reason: string, warning: string]>> = {
  LockStmt: ['takes an explicit lock: changes no schema and no data', 'an explicit LOCK TABLE blocks the running app for as long as the migration holds it'],
  ReindexStmt: ['rebuilds indexes: changes no schema and no data', 'REINDEX without CONCURRENTLY blocks writes to the table while it runs'],
  ClusterStmt: ['reorders a table physically: changes no schema and no data', 'CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock'],
};

const rules: RuleTable = { ...alterTableRules, ...createRules, ...dropRules, ...dataRules };

/** Classifies one parse node against the schema as the statements before it left it. */
export function classifyNode(node: Node, schema: SchemaModel): Verdict {
  const [name, body] = nodeEntry(node);
  const rule = rules[name] as ((body: unknown, schema: SchemaModel) => Verdict) | undefined;
  if (rule) return rule(body, schema);
  const reason = noChange[name];
  if (reason) return { kind: name, impact: 'none', reason };
  const locking = noChangeWithLock[name];
  if (locking) {
    const concurrent = name === 'ReindexStmt' && hasConcurrentOption(body);
    return { kind: name, impact: 'none', reason: locking[0], ...(concurrent ? {} : { warnings: [locking[1]] }) };
  }
  return unrecognised(name);
}

function hasConcurrentOption(body: unknown): boolean {
  const params = (body as { params?: Node[] }).params ?? [];
  return params.some((p) => 'DefElem' in p && p.DefElem.defname === 'concurrently');
}
