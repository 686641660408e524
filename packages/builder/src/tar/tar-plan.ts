import { lstat, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import type { EntryHeader } from './tar-header.js';
import { assertLinkStaysInside, compareBytes, isInside, safeSegments } from './tar-path.js';
import { TarError } from './tar-error.js';

/** One entry the writer will emit: its header, plus where on disk a file's content comes from. */
export interface PlannedEntry extends EntryHeader {
  /** Absolute path on disk; empty for directories added only as parents. */
  source: string;
}

/**
 * Turns a list of tree-relative paths into the exact, ordered entries of the archive. Everything
 * that would make two archives of one tree differ is decided here: parent directories are added
 * so that every archive has the same shape whatever the caller listed, entries are sorted by path
 * bytes, and modes are reduced to the three values that matter.
 */
export async function planTarEntries(root: string, paths: readonly string[]): Promise<PlannedEntry[]> {
  const realRoot = await realpath(root);
  const entries = new Map<string, PlannedEntry>();
  for (const path of paths) {
    const segments = safeSegments(path);
    if (segments.length === 0) continue;
    for (let depth = 1; depth < segments.length; depth++) {
      const parent = `${segments.slice(0, depth).join('/')}/`;
      if (entries.has(parent)) continue;
      // A folder on the way must be a real folder: through a symlink, `link/passwd` could read
      // a file from anywhere on the machine into the artifact.
      if (!(await lstat(join(root, ...segments.slice(0, depth)))).isDirectory()) {
        throw new TarError(`${path} is reached through ${parent.slice(0, -1)}, which is not a real folder.`, path);
      }
      entries.set(parent, directory(parent, ''));
    }
    const relative = segments.join('/');
    const source = join(root, ...segments);
    const entry = await planOne(relative, source, await lstat(source), realRoot);
    entries.set(entry.path, entry);
  }
  return [...entries.values()].sort((a, b) => compareBytes(a.path, b.path));
}

async function planOne(relative: string, source: string, stats: Stats, realRoot: string): Promise<PlannedEntry> {
  if (stats.isDirectory()) return directory(`${relative}/`, source);
  if (stats.isFile()) {
    // Only "is it executable" survives, because that is the one permission an app depends on.
    const mode = (stats.mode & 0o111) !== 0 ? 0o755 : 0o644;
    return { path: relative, type: 'file', mode, size: stats.size, linkTarget: '', source };
  }
  if (stats.isSymbolicLink()) {
    const target = await readlink(source);
    assertLinkStaysInside(relative, target);
    await assertResolvesInside(relative, source, realRoot);
    return { path: relative, type: 'symlink', mode: 0o777, size: 0, linkTarget: target, source };
  }
  throw new TarError(`${relative} is a device, socket or FIFO; only files, folders and symlinks can be packed.`, relative);
}

/**
 * The lexical check cannot see through other symlinks (`a -> .` makes `a/..` leave the tree), so
 * a link whose target exists is also resolved on disk. A dangling link has nothing to resolve and
 * is judged by the lexical check alone.
 */
async function assertResolvesInside(relative: string, source: string, realRoot: string): Promise<void> {
  let resolved: string;
  try {
    resolved = await realpath(source);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new TarError(`The symlink ${relative} cannot be resolved: ${(error as Error).message}`, relative);
  }
  if (!isInside(realRoot, resolved)) {
    throw new TarError(`The symlink ${relative} resolves to ${resolved}, outside the tree.`, relative);
  }
}

function directory(path: string, source: string): PlannedEntry {
  return { path, type: 'directory', mode: 0o755, size: 0, linkTarget: '', source };
}
