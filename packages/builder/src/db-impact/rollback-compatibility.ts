/**
 * Whether an older artifact can serve traffic on the schema the database holds now: the check a
 * rollback runs before it points the route owner back at an earlier digest ("old artifact
 * compatibility checked"; a rollback must never hide a database incompatibility).
 *
 * The older artifact is compatible when every migration applied since its own last migration is
 * `none` or `expand`: it then sees a superset of the schema it was built against.
 */
import { classifySql } from './classify-statement.js';
import { keepsOldAppWorking, type Impact } from './impact.js';
import { diffMigrations, replaySchema, type MigrationFile } from './migration-diff.js';

/** Something applied since the older artifact that it may not work with. */
export interface CompatibilityBlocker {
  readonly file: string;
  readonly impact: Impact;
  readonly reason: string;
  readonly sql?: string;
  readonly kind?: string;
}

export interface RollbackCompatibility {
  readonly compatible: boolean;
  /** One sentence a person reads before approving (or refusing) the rollback. */
  readonly reason: string;
  readonly blocking: CompatibilityBlocker[];
}

/**
 * @param artifactFiles the migrations the older artifact carries.
 * @param appliedFiles every migration applied to the database now.
 */
export async function compatibleWithAppliedSchema(
  artifactFiles: readonly MigrationFile[],
  appliedFiles: readonly MigrationFile[],
): Promise<RollbackCompatibility> {
  const diff = diffMigrations(appliedFiles, artifactFiles);
  const since = diff.baselineLast ? `since ${diff.baselineLast}` : 'since the artifact (which has no migrations)';
  const blocking: CompatibilityBlocker[] = [];
  for (const file of diff.missing) {
    blocking.push({ file: file.name, impact: 'contract', reason: `migration ${file.name} of the artifact is not applied to the database: its app expects a schema the database does not have` });
  }
  for (const file of diff.edited) {
    blocking.push({ file: file.name, impact: 'destructive', reason: `migration ${file.name} differs between the artifact and the database: the artifact was built against another schema` });
  }
  const schema = await replaySchema(artifactFiles);
  schema.beginNewMigrations();
  for (const file of diff.added) {
    const { statements } = await classifySql(file.sql, file.name, schema);
    for (const s of statements) {
      if (!keepsOldAppWorking(s.impact)) blocking.push({ file: file.name, impact: s.impact, reason: s.reason, sql: s.sql, kind: s.kind });
    }
  }
  if (blocking.length === 0) {
    const reason =
      diff.added.length === 0
        ? `no migration was applied ${since}: the artifact runs on the schema it was built against`
        : `all ${diff.added.length} migration${diff.added.length === 1 ? '' : 's'} applied ${since} only expand the schema: the artifact keeps working`;
    return { compatible: true, reason, blocking };
  }
  const first = blocking[0]!;
  const reason = `${blocking.length} change${blocking.length === 1 ? '' : 's'} applied ${since} may break the artifact's app; first: ${first.file}: ${first.reason}`;
  return { compatible: false, reason, blocking };
}
