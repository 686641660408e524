/**
 * parseManifest: the text of a `berth.toml` in, a validated Manifest with defaults out, or one
 * `invalid_manifest` BerthError listing every problem with its file, line and key. No I/O: the
 * caller reads the file and passes its text and the name to show in messages.
 */
import { parse, TomlError } from 'smol-toml';
import type { Manifest } from './manifest.js';
import { ProblemList } from './problems.js';
import { TableReader } from './table-reader.js';
import { isTable } from './toml-values.js';
import { readAssets, readBuild, readName, readRun, readScale } from './validate-app.js';
import { checkCrossFields } from './validate-cross.js';
import { readDatabase, readSecrets, readValidate } from './validate-project.js';
import { readLive, readRoutes, readWebhooks } from './validate-traffic.js';

/** The top-level keys, in the order the docs present them; all but `name` are tables. */
const TOP_LEVEL = ['name', 'build', 'run', 'assets', 'scale', 'routes', 'webhooks', 'live', 'secrets', 'database', 'validate'];
const ARRAYS_OF_TABLES = ['routes', 'webhooks'];

function shownAtTopLevel(key: string): string {
  if (key === 'name') return key;
  return ARRAYS_OF_TABLES.includes(key) ? `[[${key}]]` : `[${key}]`;
}

/**
 * Parses and validates a manifest. `file` names the manifest in messages (default "berth.toml").
 * Throws BerthError('invalid_manifest') whose message is the first problem's sentence plus
 * "(and N more)", and whose details are a ManifestProblemDetails: `{ file, problems }`.
 */
export function parseManifest(text: string, file = 'berth.toml'): Manifest {
  // A byte-order mark is not TOML, but editors on some platforms add one; it changes no line.
  const source = text.replace(/^\uFEFF/, '');
  const problems = new ProblemList(file, source);
  let document: unknown;
  try {
    document = parse(source, { integersAsBigInt: true });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    problems.addSyntax(error.line, error.column, tomlReason(error));
    problems.throwIfAny();
  }
  if (!isTable(document)) throw new Error('smol-toml returned a document that is not a table');

  const root = new TableReader(problems, [], '', document, TOP_LEVEL, shownAtTopLevel);
  const name = readName(root);
  const build = readBuild(root);
  const run = readRun(root);
  const assets = readAssets(root);
  const scale = readScale(root);
  const routes = readRoutes(root);
  const webhooks = readWebhooks(root);
  const live = readLive(root);
  const secrets = readSecrets(root);
  const database = readDatabase(root);
  const validate = readValidate(root);
  checkCrossFields(problems, { run, hasRunTable: root.has('run'), assets, routes, webhooks, live });
  problems.throwIfAny();

  return {
    ...(name === undefined ? {} : { name }),
    build,
    ...(run === undefined ? {} : { run }),
    ...(assets === undefined ? {} : { assets }),
    scale,
    routes: routes.map((r) => r.spec),
    webhooks: webhooks.map((w) => w.spec),
    ...(live === undefined ? {} : { live }),
    secrets,
    ...(database === undefined ? {} : { database }),
    validate,
  };
}

/** smol-toml's message without its "Invalid TOML document:" prefix and the code excerpt after it. */
function tomlReason(error: TomlError): string {
  const [first = ''] = error.message.split('\n', 1);
  return first.replace(/^Invalid TOML document:\s*/, '');
}
