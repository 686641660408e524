import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File, type Digest } from '../digest/digest.js';
import { compareBytes, safeSegments } from '../tar/tar-path.js';
import { TarError } from '../tar/tar-error.js';
import { contentTypeFor } from './content-types.js';

/** One immutable asset the edge may serve without waking the app. */
export interface AssetManifestEntry {
  /** The URL path, decoded (not percent-encoded): the prefix followed by the path under the assets folder. */
  path: string;
  /** Where the bytes are inside the artifact, relative to its root. */
  file: string;
  digest: Digest;
  size: number;
  contentType: string;
}

/**
 * Lists every file under `assetsDir` (relative to `treeDir`, the unpacked artifact) with the URL it
 * is served at, its digest and its content type, sorted by URL path bytes so that the manifest of
 * one artifact is always the same document. Symlinks are left out: an asset is served by its own
 * bytes, and following links would let a manifest describe files outside the assets folder.
 */
export async function buildAssetManifest(treeDir: string, assetsDir: string, prefix: string): Promise<AssetManifestEntry[]> {
  const assetsRoot = safeSegments(assetsDir).join('/');
  const urlPrefix = normalisePrefix(prefix);
  const entries: AssetManifestEntry[] = [];
  // The manifest names files by their path in the artifact, so the assets folder must be a real
  // folder of the tree, not a symlink to one (or to somewhere outside it).
  if ((await realpath(join(treeDir, assetsRoot))) !== join(await realpath(treeDir), assetsRoot)) {
    throw new TarError(`The assets folder ${assetsDir} is, or is reached through, a symlink.`, assetsDir);
  }

  async function walk(relative: string): Promise<void> {
    const folder = join(treeDir, assetsRoot, relative);
    for (const child of await readdir(folder, { withFileTypes: true })) {
      const childPath = relative === '' ? child.name : `${relative}/${child.name}`;
      if (child.isDirectory()) {
        await walk(childPath);
      } else if (child.isFile()) {
        const { digest, size } = await sha256File(join(folder, child.name));
        entries.push({
          path: `${urlPrefix}${childPath}`,
          file: assetsRoot === '' ? childPath : `${assetsRoot}/${childPath}`,
          digest,
          size,
          contentType: contentTypeFor(child.name),
        });
      }
    }
  }

  await walk('');
  return entries.sort((a, b) => compareBytes(a.path, b.path));
}

/** `assets`, `/assets` and `/assets/` all mean the same prefix; `''` and `/` mean the site root. */
function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}
