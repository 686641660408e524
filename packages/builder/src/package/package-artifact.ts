import { randomUUID } from 'node:crypto';
import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, type Manifest } from '@berth/core';
import { buildAssetManifest, type AssetManifestEntry } from '../asset-manifest/asset-manifest.js';
import type { ArtifactStore } from '../artifact-store/artifact-store.js';
import type { Digest } from '../digest/digest.js';
import { writeTar } from '../tar/tar-writer.js';
import { listTreeFiles } from './tree-files.js';

export interface PackageOptions {
  /** The tree after the build: the source plus everything the build wrote. */
  treeDir: string;
  /** Only `[assets]` is read, to describe the files the edge serves itself. */
  manifest: Pick<Manifest, 'assets'>;
  store: ArtifactStore;
  /** Where the archive is written before it moves into the store; the temp file is removed. */
  scratchDir: string;
}

export interface PackagedArtifact {
  digest: Digest;
  size: number;
  /** Entries in the archive, parent folders included. */
  entries: number;
  /** The asset manifest of `[assets] dir`, sorted by URL path; empty when the app declares no assets. */
  assetManifest: AssetManifestEntry[];
}

/**
 * Turns a built tree into the deploy's artifact: the deterministic tar of every file of the tree
 * (see listTreeFiles for what is included), stored by its digest, plus the asset manifest. The
 * asset manifest is built from the same tree right after packing; nothing writes to the tree
 * between the build and this step, so the digests it names are the bytes inside the artifact.
 */
export async function packageArtifact(options: PackageOptions): Promise<PackagedArtifact> {
  const assets = options.manifest.assets;
  // Checked first: a missing assets folder is a mistake in the build or the manifest, and saying
  // so before packing saves writing an artifact that cannot be deployed.
  if (assets !== undefined) await assertAssetsFolder(options.treeDir, assets.dir);

  const written = await writeTreeTar(options.treeDir, options.scratchDir);
  try {
    const stored = await options.store.put(written.file);
    const assetManifest = assets === undefined ? [] : await buildAssetManifest(options.treeDir, assets.dir, assets.prefix);
    return { digest: stored.digest, size: stored.size, entries: written.entries, assetManifest };
  } finally {
    await rm(written.file, { force: true });
  }
}

/**
 * Writes the deterministic tar of a tree into a fresh file under `scratchDir` and returns it with
 * its digest. The caller removes the file.
 */
export async function writeTreeTar(treeDir: string, scratchDir: string): Promise<{ file: string; digest: Digest; size: number; entries: number }> {
  const file = join(scratchDir, `artifact-${randomUUID()}.tar`);
  const result = await writeTar(treeDir, await listTreeFiles(treeDir), file);
  return { file, digest: result.digest, size: result.size, entries: result.entries };
}

async function assertAssetsFolder(treeDir: string, dir: string): Promise<void> {
  const stats = await lstat(join(treeDir, dir)).catch(() => null);
  if (stats?.isDirectory()) return;
  throw new BerthError('invalid_manifest', `[assets] dir "${dir}" is not a folder of the built tree.`, {
    suggestion: 'Check that the build writes its assets to the folder [assets] dir names, or correct dir in berth.toml.',
    details: { key: 'assets.dir', dir },
  });
}
