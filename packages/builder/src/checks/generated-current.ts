import { cp, mkdtemp, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runBuild } from '../build/run-build.js';
import { collectSource } from '../source/collect-source.js';
import { diffFingerprints, fingerprintTree, type TreeFingerprint } from './tree-fingerprint.js';

export interface GeneratedCheckOptions {
  /** The source tree as cloned. It is never changed: the command runs on a copy. */
  dir: string;
  /** The `[validate] generated` command, run with /bin/sh -c like a build. */
  command: string;
  timeoutMs: number;
  /** A folder the check may create its scratch folder in; the scratch folder is removed afterwards. */
  scratchParent: string;
  /** Default 4 MiB, the manifest's default build output limit. */
  outputLimitBytes?: number;
  env?: Readonly<Record<string, string>>;
  onOutput?: (chunk: string) => void;
  redact?: readonly string[];
  signal?: AbortSignal;
  sandbox?: boolean;
}

export interface GeneratedCheckResult {
  /** Whether the command left every source file as it was. */
  current: boolean;
  /** Source paths the command added, removed or modified, sorted, at most 50. */
  changed: string[];
  /** How many source paths changed in all. */
  changedCount: number;
  /** The last lines of the command's output. */
  tail: string[];
  durationMs: number;
}

const DEFAULT_OUTPUT_LIMIT = 4 * 1024 * 1024;

/**
 * The "generated artifacts current" gate: regenerates the checked-in generated files (code from a
 * schema, a lockfile) on a copy of the source, and reports every file the generator changed. A
 * change means the commit carries stale generated files, and deploying it would ship code that
 * does not match its own inputs.
 *
 * Only source files are compared: the tree is listed with the same rules as the source
 * (`.gitignore`, `.berthignore`, never `.git`), so a generator that fills an ignored cache or
 * node_modules on its way is still current. A failing or overlong generator is a BuildError, as a
 * failing build is.
 */
export async function checkGeneratedCurrent(options: GeneratedCheckOptions): Promise<GeneratedCheckResult> {
  const scratch = await mkdtemp(join(options.scratchParent, 'generated-'));
  try {
    const tree = join(scratch, 'tree');
    await cp(options.dir, tree, { recursive: true, verbatimSymlinks: true, filter: (source) => basename(source) !== '.git' });
    const before = await sourceFingerprint(tree);
    const run = await runBuild({
      dir: tree,
      command: options.command,
      timeoutMs: options.timeoutMs,
      outputLimitBytes: options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT,
      env: options.env ?? {},
      scratchDir: join(scratch, 'run'),
      label: 'the [validate] generated command',
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
      ...(options.redact ? { redact: options.redact } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.sandbox !== undefined ? { sandbox: options.sandbox } : {}),
    });
    const { changed, changedCount } = diffFingerprints(before, await sourceFingerprint(tree));
    return { current: changedCount === 0, changed, changedCount, tail: run.tail, durationMs: run.durationMs };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function sourceFingerprint(tree: string): Promise<TreeFingerprint> {
  // The size limit applies to uploads, not to this comparison, so it is lifted here.
  return fingerprintTree(tree, await collectSource(tree, { maxBytes: Number.MAX_SAFE_INTEGER }));
}
