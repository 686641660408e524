import { chmod, cp, mkdir, readdir, rm, lstat } from 'node:fs/promises';
import { join } from 'node:path';

/** The folders a process allocation uses inside its work folder. */
export interface WorkingCopy {
  /** A writable copy of the artifact: the app's working folder, as a container's filesystem would be. */
  root: string;
  /** The app's HOME. */
  home: string;
  /** The app's TMPDIR when it runs without the sandbox (the sandbox gives it a private /tmp). */
  tmp: string;
}

export function workingCopyPaths(workDir: string): WorkingCopy {
  return { root: join(workDir, 'root'), home: join(workDir, 'home'), tmp: join(workDir, 'tmp') };
}

/**
 * Copies the unpacked artifact into `<workDir>/root`. The artifact folder itself is never written:
 * it is the verified bytes, and another allocation of the same digest may share it. bubblewrap
 * 0.8.0 on the project's hosts has no overlay mounts, so a copy is how the app gets a writable
 * filesystem. Modes, timestamps and symlinks are kept as they are in the artifact (a symlink is
 * copied as the same link, never followed).
 */
export async function makeWorkingCopy(artifactDir: string, workDir: string): Promise<WorkingCopy> {
  const paths = workingCopyPaths(workDir);
  // Left over from a runner that crashed mid-allocation: start from the artifact again.
  await removeWorkingCopy(workDir);
  await cp(artifactDir, paths.root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, errorOnExist: true, force: false });
  await mkdir(paths.home, { recursive: true, mode: 0o700 });
  await mkdir(paths.tmp, { recursive: true, mode: 0o700 });
  return paths;
}

/**
 * Removes the working copy, HOME and TMPDIR: what the app wrote is discarded when the allocation
 * stops, as a container's would be. An app may have left read-only folders behind, which a
 * non-root runner cannot empty, so on a permission error the tree is made writable and removed again.
 */
export async function removeWorkingCopy(workDir: string): Promise<void> {
  const paths = workingCopyPaths(workDir);
  for (const path of [paths.root, paths.home, paths.tmp]) {
    try {
      await rm(path, { recursive: true, force: true });
    } catch (error) {
      if (!['EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      await makeWritable(path);
      await rm(path, { recursive: true, force: true });
    }
  }
}

async function makeWritable(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => null);
  if (!stat?.isDirectory()) return;
  await chmod(path, 0o700);
  for (const entry of await readdir(path)) await makeWritable(join(path, entry));
}
