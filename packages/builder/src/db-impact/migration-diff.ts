/**
 * Compares two folders of migrations by file name and content, and replays a folder into a schema
 * model. Migrations apply in file name order (plain code-unit order, as a directory listing sorts
 * them), so every list here is kept in that order.
 */
import { classifySql } from './classify-statement.js';
import { SchemaModel } from './schema-model.js';

/** One `.sql` migration file: its name (e.g. `0003_add_email.sql`) and its text. */
export interface MigrationFile {
  readonly name: string;
  readonly sql: string;
}

export interface MigrationDiff {
  /** In `current`, absent from `baseline`: migrations still to apply. */
  readonly added: MigrationFile[];
  /** In both, with different text: the version in `current`. */
  readonly edited: MigrationFile[];
  /** In `baseline`, absent from `current`. */
  readonly missing: MigrationFile[];
  /** The baseline's last migration by name, if it has any. */
  readonly baselineLast: string | undefined;
}

export function byName(a: MigrationFile, b: MigrationFile): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function diffMigrations(current: readonly MigrationFile[], baseline: readonly MigrationFile[]): MigrationDiff {
  const before = new Map(baseline.map((f) => [f.name, f]));
  const now = new Set(current.map((f) => f.name));
  const sorted = [...current].sort(byName);
  const baselineSorted = [...baseline].sort(byName);
  return {
    added: sorted.filter((f) => !before.has(f.name)),
    edited: sorted.filter((f) => before.has(f.name) && before.get(f.name)!.sql !== f.sql),
    missing: baselineSorted.filter((f) => !now.has(f.name)),
    baselineLast: baselineSorted[baselineSorted.length - 1]?.name,
  };
}

/**
 * The schema the given, already applied migrations leave, as far as the classifier tracks it.
 * Tables created here count as existing, so nothing done to them later is downgraded.
 */
export async function replaySchema(applied: readonly MigrationFile[]): Promise<SchemaModel> {
  const schema = new SchemaModel('applied');
  for (const file of [...applied].sort(byName)) await classifySql(file.sql, file.name, schema);
  return schema;
}

/** The warning for a new migration that sorts before the last one already applied. */
export function outOfOrderWarning(name: string, baselineLast: string | undefined): string[] {
  if (baselineLast === undefined || name > baselineLast) return [];
  return [`migration ${name} sorts before ${baselineLast}, the last migration already applied: a migrator that applies in name order may skip it or run it out of order`];
}
