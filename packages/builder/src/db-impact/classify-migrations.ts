/**
 * The "DB impact classified" gate of the deploy pipeline: classifies the migrations a deploy adds
 * (or edits) compared with the production artifact's migrations, and shapes the result as gate
 * evidence (plain JSON).
 */
import { classifySql } from './classify-statement.js';
import { impacts, worstImpact, type Impact, type StatementImpact } from './impact.js';
import { diffMigrations, outOfOrderWarning, replaySchema, type MigrationFile } from './migration-diff.js';

/** How a file differs from production: new, edited after it was applied, or removed. */
export type MigrationChange = 'added' | 'edited' | 'missing';

export interface FileImpact {
  readonly name: string;
  readonly change: MigrationChange;
  readonly impact: Impact;
  /** Why the file as a whole has its impact, when that is not just its worst statement. */
  readonly reason?: string;
  readonly warnings?: string[];
  readonly statements: StatementImpact[];
}

/** A statement or file a person should look at before the gate passes. */
export interface Finding {
  readonly file: string;
  readonly impact: Impact;
  readonly reason: string;
  readonly sql?: string;
  readonly kind?: string;
}

/** The gate's evidence; a type alias (not an interface) so that it is a `Record<string, unknown>`. */
export type DbImpactEvidence = {
  readonly impact: Impact;
  readonly summary: string;
  readonly added: string[];
  readonly edited: string[];
  readonly missing: string[];
  /** How many statements of each class the new migrations hold. */
  readonly statementCounts: Record<Impact, number>;
  /** Every contract or destructive statement or file, worst first. */
  readonly findings: Finding[];
  readonly warnings: string[];
};

export interface MigrationsImpact {
  readonly impact: Impact;
  readonly files: FileImpact[];
  readonly evidence: DbImpactEvidence;
}

/**
 * @param newFiles every migration the deploy carries.
 * @param productionFiles every migration of the artifact production runs now (already applied).
 */
export async function classifyMigrations(newFiles: readonly MigrationFile[], productionFiles: readonly MigrationFile[]): Promise<MigrationsImpact> {
  const diff = diffMigrations(newFiles, productionFiles);
  const schema = await replaySchema(productionFiles);
  const files: FileImpact[] = [];
  // An edited file is judged against production's schema, and its statements do not count as
  // having run: the database ran the original text.
  for (const file of diff.edited) {
    const { statements } = await classifySql(file.sql, file.name, schema.clone());
    files.push({ name: file.name, change: 'edited', impact: 'destructive', reason: `migration ${file.name} was edited after it was applied: migrations are never edited; add a new one`, statements });
  }
  for (const file of diff.missing) {
    files.push({ name: file.name, change: 'missing', impact: 'contract', reason: `migration ${file.name} is gone from this deploy`, statements: [] });
  }
  schema.beginNewMigrations();
  for (const file of diff.added) {
    const { impact, statements } = await classifySql(file.sql, file.name, schema);
    const warnings = outOfOrderWarning(file.name, diff.baselineLast);
    files.push({ name: file.name, change: 'added', impact, ...(warnings.length > 0 ? { warnings } : {}), statements });
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const impact = worstImpact(files.map((f) => f.impact));
  return { impact, files, evidence: evidenceOf(impact, files) };
}

function evidenceOf(impact: Impact, files: readonly FileImpact[]): DbImpactEvidence {
  const names = (change: MigrationChange) => files.filter((f) => f.change === change).map((f) => f.name);
  const statementCounts = Object.fromEntries(impacts.map((i) => [i, 0])) as Record<Impact, number>;
  const findings: Finding[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    warnings.push(...(file.warnings ?? []));
    if (file.reason) findings.push({ file: file.name, impact: file.impact, reason: file.reason });
    if (file.change === 'edited') continue;
    for (const s of file.statements) {
      statementCounts[s.impact] += 1;
      warnings.push(...(s.warnings ?? []).map((w) => `${file.name}: ${w}`));
      if (s.impact === 'contract' || s.impact === 'destructive') findings.push({ file: file.name, impact: s.impact, reason: s.reason, sql: s.sql, kind: s.kind });
    }
  }
  findings.sort((a, b) => (a.impact === b.impact ? 0 : a.impact === 'destructive' ? -1 : 1));
  return { impact, summary: summaryOf(impact, files, findings), added: names('added'), edited: names('edited'), missing: names('missing'), statementCounts, findings, warnings };
}

function summaryOf(impact: Impact, files: readonly FileImpact[], findings: readonly Finding[]): string {
  if (files.length === 0) return 'no new migrations: none';
  const worst = findings[0];
  const count = `${files.length} migration file${files.length === 1 ? '' : 's'} new, edited or missing`;
  return worst ? `${count}: ${impact}; worst: ${worst.file}: ${worst.reason}` : `${count}: ${impact}`;
}
