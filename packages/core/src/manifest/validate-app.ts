/**
 * The app's own tables: `name`, `[build]`, `[run]`, `[assets]` and `[scale]`. Each reader returns
 * its spec with defaults applied; a value that fails is reported and replaced by its default, so
 * later checks still run and parseManifest throws with every problem once all have been read.
 */
import { manifestDefaults as defaults } from './defaults.js';
import type { AssetsSpec, BuildSpec, RunSpec, ScaleSpec } from './manifest.js';
import { checkAppName, checkProjectFolder, normalizeFolder } from './names.js';
import type { TableReader } from './table-reader.js';
import { checkLiteralPath, checkUrlPrefix } from './url-path.js';

export function readName(root: TableReader): string | undefined {
  return root.string('name', checkAppName);
}

export function readBuild(root: TableReader): BuildSpec {
  const build = root.table('build', ['command', 'timeout', 'output_limit']);
  const command = build?.string('command');
  return {
    ...(command === undefined ? {} : { command }),
    timeoutMs: build?.duration('timeout') ?? defaults.build.timeoutMs,
    outputLimitBytes: build?.size('output_limit') ?? defaults.build.outputLimitBytes,
  };
}

/**
 * `[run]` is required unless the app is assets-only (it has `[assets]` and no `[run]`); a missing
 * `[run]` is reported as a missing `[run] command`, on line 1.
 */
export function readRun(root: TableReader): RunSpec | undefined {
  const run = root.table('run', ['command', 'port', 'health', 'image', 'memory', 'drain_timeout']);
  if (!run) {
    if (!root.has('run') && !root.has('assets')) {
      root.problems.add(['run', 'command'], '[run] command', 'required; add [run] with command = "..." (the command that starts the app), or [assets] for an assets-only app');
    }
    return undefined;
  }
  const command = run.string('command', undefined, 'set the command that starts the app, like command = "node server.js"');
  const port = run.integer('port', { min: 1, max: 65535 });
  const image = run.string('image');
  return {
    command: command ?? '',
    ...(port === undefined ? {} : { port }),
    health: run.string('health', checkLiteralPath) ?? defaults.run.health,
    ...(image === undefined ? {} : { image }),
    memoryBytes: run.size('memory') ?? defaults.run.memoryBytes,
    drainTimeoutMs: run.duration('drain_timeout', { allowZero: true }) ?? defaults.run.drainTimeoutMs,
  };
}

export function readAssets(root: TableReader): AssetsSpec | undefined {
  const assets = root.table('assets', ['dir', 'prefix', 'immutable']);
  if (!assets) return undefined;
  const dir = assets.string('dir', checkProjectFolder, 'name the folder of built assets, like dir = "dist"');
  return {
    dir: dir === undefined ? '' : normalizeFolder(dir),
    prefix: assets.string('prefix', checkUrlPrefix) ?? defaults.assets.prefix,
    immutable: assets.boolean('immutable') ?? defaults.assets.immutable,
  };
}

export function readScale(root: TableReader): ScaleSpec {
  const scale = root.table('scale', ['min', 'max', 'sleep_after', 'wake_budget', 'region', 'labels']);
  const min = scale?.integer('min', { min: 0 }) ?? defaults.scale.min;
  const floor = Math.max(min, 1);
  // Name where the lower bound comes from, so "max = 0" under "min = 1" reads as the conflict it is.
  const atLeast = scale?.has('min') && min >= 1 ? `min (${min})` : String(floor);
  return {
    min,
    max: scale?.integer('max', { min: floor, atLeast }) ?? floor,
    sleepAfterMs: scale?.duration('sleep_after') ?? defaults.scale.sleepAfterMs,
    wakeBudgetMs: scale?.duration('wake_budget', { max: defaults.maxWakeBudgetMs, maxText: '120s' }) ?? defaults.scale.wakeBudgetMs,
    ...(scale?.has('region') ? { region: scale.string('region', checkPlacementWord) ?? '' } : {}),
    labels: Object.fromEntries((scale?.stringList('labels', checkLabel) ?? []).map((label) => label.split('=') as [string, string])),
  };
}

/** Regions and label parts are what a runner's --region and --labels accept. */
function checkPlacementWord(value: string): string | undefined {
  return /^[a-z0-9][a-z0-9._-]{0,39}$/.test(value) ? undefined : 'must be lowercase letters, digits, ".", "_" or "-" (at most 40)';
}

function checkLabel(value: string): string | undefined {
  const [key, label, extra] = value.split('=');
  if (extra !== undefined || !key || label === undefined) return 'must be written "key=value"';
  return checkPlacementWord(key) ?? (label.length > 0 && label.length <= 200 ? undefined : 'must have a value of 1 to 200 characters');
}
