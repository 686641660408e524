import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { ArtifactStore } from '../artifact-store/artifact-store.js';
import { diffFingerprints, type TreeFingerprint } from '../checks/tree-fingerprint.js';
import type { Digest } from '../digest/digest.js';
import { readTar } from '../tar/tar-reader.js';
import { writeTreeTar } from './package-artifact.js';

export interface ReproducibleCheckOptions {
  store: ArtifactStore;
  /** The artifact of the first build, already in the store. */
  firstDigest: Digest;
  /** The tree of a second, independent build of the same commit. */
  treeDir: string;
  /** Where the second archive is written while it is compared; it is removed afterwards. */
  scratchDir: string;
}

export interface ReproducibleCheckResult {
  reproducible: boolean;
  firstDigest: Digest;
  secondDigest: Digest;
  /** Paths whose entry differs between the two archives, sorted, at most 50; empty when reproducible. */
  changed: string[];
  changedCount: number;
}

/**
 * `[validate] reproducible`: packs a second build's tree exactly as the first was packed and
 * compares the digests. Equal digests prove the build is a function of its source. When they
 * differ, the two archives are compared entry by entry so that "build digest mismatch" names the
 * files to look at (a timestamp baked into a bundle, an unsorted file list), not just two hashes.
 * The second archive is never stored: only the first build's artifact is ever deployed.
 */
export async function checkReproducible(options: ReproducibleCheckOptions): Promise<ReproducibleCheckResult> {
  const second = await writeTreeTar(options.treeDir, options.scratchDir);
  try {
    const base = { firstDigest: options.firstDigest, secondDigest: second.digest };
    if (second.digest === options.firstDigest) return { reproducible: true, ...base, changed: [], changedCount: 0 };
    // The stored artifact is verified before it is read, so a difference is never blamed on the build
    // when the store's copy was damaged (that fails with artifact_digest_mismatch instead).
    await options.store.verify(options.firstDigest);
    const difference = diffFingerprints(await archiveFingerprint(options.store.path(options.firstDigest)), await archiveFingerprint(second.file));
    return { reproducible: false, ...base, ...difference };
  } finally {
    await rm(second.file, { force: true });
  }
}

/** Fingerprints every entry of an archive by type, mode, link target and content digest. */
async function archiveFingerprint(file: string): Promise<TreeFingerprint> {
  const fingerprint: TreeFingerprint = new Map();
  for await (const entry of readTar(file)) {
    const hash = createHash('sha256');
    if (entry.type === 'file') for await (const chunk of entry.contents()) hash.update(chunk);
    const path = entry.path.replace(/\/$/, '');
    fingerprint.set(path, `${entry.type} ${entry.mode.toString(8)} ${entry.linkTarget} ${hash.digest('hex')}`);
  }
  return fingerprint;
}
