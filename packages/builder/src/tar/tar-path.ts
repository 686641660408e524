import { posix } from 'node:path';
import { TarError } from './tar-error.js';

/**
 * Path rules shared by the writer and the extractor. Archive paths are always relative, use `/`,
 * and never climb with `..`; anything else could write outside the folder an archive is unpacked
 * into, so both sides refuse it rather than trying to repair it.
 */

/** Splits an archive path into its segments, refusing absolute paths, `..` and NUL bytes. */
export function safeSegments(path: string): string[] {
  if (path.includes('\0')) throw new TarError(`The path ${JSON.stringify(path)} contains a NUL byte.`, path);
  if (path.startsWith('/')) throw new TarError(`The path ${path} is absolute; archive paths must be relative.`, path);
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw new TarError(`The path ${path} climbs out of the tree with "..".`, path);
  return segments;
}

/**
 * Refuses a symlink whose target, read relative to the link's own folder, would leave the tree.
 * Absolute targets are refused too: even one that points inside the tree today names a place that
 * will not exist once the artifact is unpacked somewhere else.
 */
export function assertLinkStaysInside(linkPath: string, target: string): void {
  if (target === '' || target.includes('\0')) {
    throw new TarError(`The symlink ${linkPath} has an empty or invalid target.`, linkPath);
  }
  if (posix.isAbsolute(target)) {
    throw new TarError(`The symlink ${linkPath} points to the absolute path ${target}, outside the tree.`, linkPath);
  }
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  if (resolved === '..' || resolved.startsWith('../')) {
    throw new TarError(`The symlink ${linkPath} points to ${target}, outside the tree.`, linkPath);
  }
}

/** Whether `child` (an absolute, resolved path) is `root` itself or lies inside it. */
export function isInside(root: string, child: string): boolean {
  const relative = posix.relative(root, child);
  return relative === '' || (!relative.startsWith('../') && relative !== '..' && !posix.isAbsolute(relative));
}

/** Byte-order comparison, the order entries are written in; JavaScript's default sort compares UTF-16 units instead. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
