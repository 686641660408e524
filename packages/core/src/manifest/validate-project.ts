/**
 * The tables about the project around the app: `[secrets]`, `[database]` and `[validate]`.
 */
import { manifestDefaults as defaults } from './defaults.js';
import type { DatabaseSpec, SecretsSpec, ValidateSpec } from './manifest.js';
import { checkProjectFolder, checkSecretName, normalizeFolder } from './names.js';
import type { TableReader } from './table-reader.js';

export function readSecrets(root: TableReader): SecretsSpec {
  const secrets = root.table('secrets', ['required']);
  return { required: secrets?.stringList('required', checkSecretName) ?? [] };
}

export function readDatabase(root: TableReader): DatabaseSpec | undefined {
  const database = root.table('database', ['migrations']);
  if (!database) return undefined;
  const migrations = database.string('migrations', checkProjectFolder, 'name the folder of .sql migrations, like migrations = "migrations"');
  return { migrations: migrations === undefined ? '' : normalizeFolder(migrations) };
}

export function readValidate(root: TableReader): ValidateSpec {
  const validate = root.table('validate', ['generated', 'reproducible']);
  const generated = validate?.string('generated');
  return {
    ...(generated === undefined ? {} : { generated }),
    reproducible: validate?.boolean('reproducible') ?? defaults.validate.reproducible,
  };
}
