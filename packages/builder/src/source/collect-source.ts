import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '@berth/core';
import { compareBytes } from '../tar/tar-path.js';
import { IgnoreRules } from './ignore-rules.js';

/** One file of a project that will go into its artifact. */
export interface SourceFile {
  /** Relative to the project folder, with `/` separators. */
  path: string;
  kind: 'file' | 'symlink';
  /** Bytes of content; 0 for a symlink. */
  size: number;
  executable: boolean;
}

export interface CollectOptions {
  /** The most bytes of file content a project may have; beyond it the source is refused. */
  maxBytes: number;
}

/**
 * Walks a project folder and returns the files that make up its source, sorted by path bytes.
 * `.git` is always left out; everything else (node_modules included) is kept unless a
 * `.gitignore` or the root `.berthignore` ignores it. Symlinks are listed, not followed. Empty
 * folders are dropped, as git drops them. Folders are not entered once ignored, which is both
 * faster and git's own rule: a file inside an excluded folder cannot be re-included.
 */
export async function collectSource(dir: string, options: CollectOptions): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  let total = 0;

  async function walk(folder: string, rules: IgnoreRules): Promise<void> {
    const children = await readdir(join(dir, folder), { withFileTypes: true });
    for (const child of children) {
      if (child.name === '.git') continue;
      const path = folder === '' ? child.name : `${folder}/${child.name}`;
      const isFolder = child.isDirectory();
      if (rules.ignores(path, isFolder)) continue;
      if (isFolder) {
        await walk(path, await rules.forFolder(dir, path));
        continue;
      }
      const stats = await lstat(join(dir, path));
      if (stats.isSymbolicLink()) {
        files.push({ path, kind: 'symlink', size: 0, executable: false });
      } else {
        // Devices, sockets and FIFOs are listed too, so that packing names them when it refuses them.
        files.push({ path, kind: 'file', size: stats.size, executable: (stats.mode & 0o111) !== 0 });
        total += stats.size;
      }
    }
  }

  await walk('', await IgnoreRules.forRoot(dir));
  if (total > options.maxBytes) throw sourceTooLarge(total, options.maxBytes);
  return files.sort((a, b) => compareBytes(a.path, b.path));
}

/** The refusal for an oversized source, with both numbers a person needs to decide what to drop. */
export function sourceTooLarge(size: number, maxBytes: number): BerthError {
  return new BerthError(
    'source_too_large',
    `The source is ${formatBytes(size)} (${size} bytes), over the limit of ${formatBytes(maxBytes)} (${maxBytes} bytes).`,
    { details: { sizeBytes: size, maxBytes } },
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
