import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compareBytes } from '../tar/tar-path.js';

/**
 * Every path of a built tree that goes into its artifact: files, symlinks, and folders that are
 * empty, sorted by path bytes. This is a plain walk on purpose, unlike collectSource: ignore files
 * describe what belongs in the repository, and build outputs (dist/, .next/, a vendored
 * node_modules) are exactly what a repository ignores and an app needs at run time. Only `.git`
 * is left out, at any depth, because history is never part of an artifact.
 *
 * Empty folders are kept because an app may expect one to exist at start (an uploads/ or tmp/
 * folder its build created); folders with content are implied by their files. Devices, sockets and
 * FIFOs are listed so that packing refuses them by name instead of dropping them silently.
 */
export async function listTreeFiles(root: string): Promise<string[]> {
  const paths: string[] = [];

  async function walk(folder: string): Promise<void> {
    const children = await readdir(join(root, folder), { withFileTypes: true });
    let kept = 0;
    for (const child of children) {
      if (child.name === '.git') continue;
      kept += 1;
      const path = folder === '' ? child.name : `${folder}/${child.name}`;
      if (child.isDirectory()) await walk(path);
      else paths.push(path);
    }
    if (kept === 0 && folder !== '') paths.push(folder);
  }

  await walk('');
  return paths.sort(compareBytes);
}
