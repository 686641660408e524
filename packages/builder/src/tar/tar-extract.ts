import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, realpath, rm, symlink, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readTar, type TarEntry } from './tar-reader.js';
import { assertLinkStaysInside, isInside, safeSegments } from './tar-path.js';
import { TarError } from './tar-error.js';

/**
 * Unpacks an archive into `destDir`, treating the archive as hostile. Nothing may land outside
 * the folder: absolute paths and `..` are refused, symlink targets must stay inside, nothing is
 * ever written through a symlink that an earlier entry created, and hard links and special files
 * are refused outright. Modes are reduced to 0755/0644 as the writer does, so no setuid bit or
 * world-writable file can come out of an archive. On a refusal `destDir` may hold a partial tree;
 * the caller owns the folder and removes it.
 */
export async function extractTar(source: string | FileHandle, destDir: string): Promise<{ entries: number }> {
  await mkdir(destDir, { recursive: true });
  const root = await realpath(destDir);
  const knownDirectories = new Set<string>();
  const links: string[] = [];
  let count = 0;

  // Creates each missing folder of `segments`, refusing any step that is not a real directory.
  async function ensureDirectories(segments: string[], entryPath: string): Promise<void> {
    for (let depth = 1; depth <= segments.length; depth++) {
      const relative = segments.slice(0, depth).join('/');
      if (knownDirectories.has(relative)) continue;
      const absolute = join(root, relative);
      const stats = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      if (stats === null) {
        await mkdir(absolute);
        await chmod(absolute, 0o755);
      } else if (stats.isSymbolicLink()) {
        throw new TarError(`The entry ${entryPath} would be written through the symlink ${relative}.`, entryPath);
      } else if (!stats.isDirectory()) {
        throw new TarError(`The entry ${entryPath} needs ${relative} to be a folder, but an earlier entry made it a file.`, entryPath);
      }
      knownDirectories.add(relative);
    }
  }

  for await (const entry of readTar(source)) {
    const segments = safeSegments(entry.path);
    const relative = segments.join('/');
    count += 1;
    if (entry.type === 'directory') {
      await ensureDirectories(segments, entry.path);
      continue;
    }
    if (segments.length === 0) throw new TarError(`The entry ${JSON.stringify(entry.path)} names the folder itself but is not a folder.`, entry.path);
    if (entry.type !== 'file' && entry.type !== 'symlink') throw unsupported(entry);
    await ensureDirectories(segments.slice(0, -1), entry.path);
    const target = join(root, relative);
    await removeEarlierEntry(target, entry.path);
    if (entry.type === 'symlink') {
      assertLinkStaysInside(relative, entry.linkTarget);
      await symlink(entry.linkTarget, target);
      links.push(relative);
    } else {
      const mode = (entry.mode & 0o111) !== 0 ? 0o755 : 0o644;
      // 'wx' refuses to open an existing path, so even a link created by a race is never followed.
      await pipeline(Readable.from(entry.contents()), createWriteStream(target, { flags: 'wx', mode }));
      await chmod(target, mode);
    }
  }
  await assertLinksResolveInside(root, links);
  return { entries: count };
}

/** Tar lets a later entry replace an earlier one; replacing a folder is refused so no subtree is silently lost. */
async function removeEarlierEntry(target: string, entryPath: string): Promise<void> {
  const stats = await lstat(target).catch(() => null);
  if (stats === null) return;
  if (stats.isDirectory()) throw new TarError(`The entry ${entryPath} would replace a folder of the same name.`, entryPath);
  await unlink(target);
}

/**
 * Each link was checked on its own, but links can combine (`a -> .` then `b -> a/..`) into a path
 * that leaves the folder; resolving them on disk once everything exists catches that.
 */
async function assertLinksResolveInside(root: string, links: string[]): Promise<void> {
  for (const link of links) {
    const absolute = join(root, link);
    const resolved = await realpath(absolute).catch(() => null);
    if (resolved !== null && !isInside(root, resolved)) {
      await rm(absolute, { force: true });
      throw new TarError(`The symlink ${link} resolves to ${resolved}, outside the extraction folder.`, link);
    }
  }
}

function unsupported(entry: TarEntry): TarError {
  const what = entry.type === 'hardlink' ? 'a hard link' : `an entry of type ${JSON.stringify(entry.typeFlag)}`;
  return new TarError(`The entry ${entry.path} is ${what}; only files, folders and symlinks are extracted.`, entry.path);
}
