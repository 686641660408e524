/**
 * The vocabulary every classifier rule answers in: an impact class, ordered from harmless to
 * data-destroying, and the evidence recorded for one statement.
 */

/** How a change affects the app that is running now; see index.ts for the definitions. */
export type Impact = 'none' | 'expand' | 'contract' | 'destructive';

/** The order impacts are compared in: the worst one decides a file and a deploy. */
export const impactRank: Readonly<Record<Impact, number>> = { none: 0, expand: 1, contract: 2, destructive: 3 };

export const impacts: readonly Impact[] = ['none', 'expand', 'contract', 'destructive'];

/** The worst of the given impacts; `none` when there are none. */
export function worstImpact(list: Iterable<Impact>): Impact {
  let worst: Impact = 'none';
  for (const impact of list) if (impactRank[impact] > impactRank[worst]) worst = impact;
  return worst;
}

/** True when `impact` leaves the running (old) app working: `none` or `expand`. */
export function keepsOldAppWorking(impact: Impact): boolean {
  return impactRank[impact] <= impactRank.expand;
}

/** The evidence for one statement, as recorded on the gate (plain JSON). */
export interface StatementImpact {
  /** The statement's own text, without surrounding comments or whitespace; passwords redacted. */
  readonly sql: string;
  /** The parse node's name, refined where one node covers many changes, e.g. `AlterTableStmt:AT_AddColumn`. */
  readonly kind: string;
  readonly impact: Impact;
  /** One sentence saying why this statement has this impact. */
  readonly reason: string;
  /** Operational risks that do not change the class, such as a lock held while an index builds. */
  readonly warnings?: string[];
  /** The tables and columns (`table.column`) or other objects the statement touches. */
  readonly objects?: string[];
}

/**
 * What a rule decides about one parse node. `table` names the relation the statement changes,
 * when there is one: a contract change to a table that these same migrations created cannot break
 * the running app, and the classifier downgrades it (see classify-statement.ts).
 */
export interface Verdict {
  readonly kind: string;
  readonly impact: Impact;
  readonly reason: string;
  readonly warnings?: string[];
  readonly objects?: string[];
  readonly table?: string;
}

/** The fail-safe verdict for anything no rule recognises: never `none`. */
export function unrecognised(kind: string, table?: string): Verdict {
  return { kind, impact: 'contract', reason: `unrecognised statement kind ${kind}: treated as contract`, ...(table ? { table, objects: [table] } : {}) };
}

/** Merges several verdicts (one per ALTER TABLE command, or a statement and its CTEs) into the worst one. */
export function mergeVerdicts(kind: string, verdicts: readonly Verdict[]): Verdict {
  const worst = worstImpact(verdicts.map((v) => v.impact));
  const decisive = verdicts.find((v) => v.impact === worst);
  const warnings = unique(verdicts.flatMap((v) => v.warnings ?? []));
  const objects = unique(verdicts.flatMap((v) => v.objects ?? []));
  const tables = unique(verdicts.flatMap((v) => (v.table ? [v.table] : [])));
  return {
    kind,
    impact: worst,
    reason: decisive?.reason ?? 'no change',
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(objects.length > 0 ? { objects } : {}),
    // Only a statement that changes exactly one table may be downgraded as a whole.
    ...(tables.length === 1 && verdicts.every((v) => v.table) ? { table: tables[0] } : {}),
  };
}

export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
