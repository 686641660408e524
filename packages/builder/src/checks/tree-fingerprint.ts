import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../digest/digest.js';
import { compareBytes } from '../tar/tar-path.js';

/**
 * What a tree holds, file by file: each path maps to a short description of everything about the
 * file that matters to an app (its content digest and whether it is executable, or a symlink's
 * target). Two trees are the same when their fingerprints are equal, whatever their mtimes.
 */
export type TreeFingerprint = Map<string, string>;

/** An entry to fingerprint: a regular file or a symlink, relative to the tree's root. */
export interface FingerprintEntry {
  path: string;
  kind: 'file' | 'symlink';
  executable: boolean;
}

/** The most changed paths a comparison names; the count says how many there were in all. */
export const MAX_CHANGED_PATHS = 50;

/** Hashes the listed entries of a tree, one file at a time, so memory stays flat for any tree. */
export async function fingerprintTree(root: string, entries: readonly FingerprintEntry[]): Promise<TreeFingerprint> {
  const fingerprint: TreeFingerprint = new Map();
  for (const entry of entries) {
    const absolute = join(root, entry.path);
    if (entry.kind === 'symlink') {
      fingerprint.set(entry.path, `symlink ${await readlink(absolute)}`);
    } else {
      const { digest } = await sha256File(absolute);
      fingerprint.set(entry.path, `${entry.executable ? 'executable' : 'file'} ${digest}`);
    }
  }
  return fingerprint;
}

/** The result of comparing two fingerprints. */
export interface TreeDifference {
  /** Paths added, removed or modified, sorted by path bytes, at most MAX_CHANGED_PATHS. */
  changed: string[];
  /** How many paths differ in all, which may be more than `changed` names. */
  changedCount: number;
}

/** Lists the paths whose fingerprint differs: present on one side only, or different content or mode. */
export function diffFingerprints(before: TreeFingerprint, after: TreeFingerprint, limit: number = MAX_CHANGED_PATHS): TreeDifference {
  const changed: string[] = [];
  for (const [path, value] of before) {
    if (after.get(path) !== value) changed.push(path);
  }
  for (const path of after.keys()) {
    if (!before.has(path)) changed.push(path);
  }
  changed.sort(compareBytes);
  return { changed: changed.slice(0, limit), changedCount: changed.length };
}
