import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '@berth/core';
import { parseDigest, readTar, type ArtifactStore, type AssetManifestEntry } from '@berth/builder';
import type { Queryable } from '../store/db.js';

/** The path's segments, refusing anything that could leave the folder it is joined to. */
function safeSegments(path: string): string[] | undefined {
  if (path.includes('\0') || path.startsWith('/')) return undefined;
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  return segments.length === 0 || segments.includes('..') ? undefined : segments;
}

/**
 * The asset files of artifacts, for edges: each artifact's asset manifest (as stored on its
 * deployment) and its files, unpacked once into `<dir>/<hex of the digest>/`. Only files the
 * manifest names are unpacked, each checked against the manifest's sha256 and size, into a
 * temporary folder that is renamed into place whole, so a reader sees every verified file or none.
 */
export class AssetCache {
  readonly #manifests = new Map<string, AssetManifestEntry[]>();
  readonly #unpacking = new Map<string, Promise<string>>();

  constructor(private readonly deps: { db: Queryable; artifacts: ArtifactStore; dir: string }) {}

  /** The asset manifest of the deployment built as `digest`; undefined when no deployment has it. */
  async manifest(digest: string): Promise<AssetManifestEntry[] | undefined> {
    const cached = this.#manifests.get(digest);
    if (cached) return cached;
    const [row] = await this.deps.db.query<{ asset_manifest: AssetManifestEntry[] | null }>(
      'SELECT asset_manifest FROM deployments WHERE digest = $1 AND asset_manifest IS NOT NULL ORDER BY created_at LIMIT 1',
      [digest],
    );
    if (!row) return undefined;
    const entries = row.asset_manifest ?? [];
    if (this.#manifests.size > 1000) this.#manifests.clear();
    this.#manifests.set(digest, entries);
    return entries;
  }

  /** The manifest entry served at `urlPath` and where its verified bytes are on disk; undefined when the manifest has no such path. */
  async file(digest: string, urlPath: string): Promise<{ entry: AssetManifestEntry; path: string } | undefined> {
    const manifest = await this.manifest(digest);
    if (!manifest) throw new BerthError('artifact_not_found', `No deployment was built as ${digest}.`, { details: { digest } });
    const entry = manifest.find((e) => e.path === urlPath);
    const segments = entry ? safeSegments(entry.file) : undefined;
    if (!entry || !segments) return undefined;
    const root = await this.#unpacked(digest, manifest);
    return { entry, path: join(root, ...segments) };
  }

  #unpacked(digest: string, manifest: AssetManifestEntry[]): Promise<string> {
    let pending = this.#unpacking.get(digest);
    if (!pending) {
      pending = this.#unpack(digest, manifest).finally(() => this.#unpacking.delete(digest));
      this.#unpacking.set(digest, pending);
    }
    return pending;
  }

  async #unpack(digest: string, manifest: AssetManifestEntry[]): Promise<string> {
    const final = join(this.deps.dir, parseDigest(digest).hex);
    if (await stat(final).then(() => true, () => false)) return final;
    const temp = join(this.deps.dir, `.unpacking-${parseDigest(digest).hex.slice(0, 16)}-${randomBytes(6).toString('hex')}`);
    const wanted = new Map<string, AssetManifestEntry>();
    for (const entry of manifest) {
      const segments = safeSegments(entry.file);
      if (segments) wanted.set(segments.join('/'), entry);
    }
    try {
      await mkdir(temp, { recursive: true });
      // The whole artifact is checked against its digest first; each file is checked again below.
      await this.deps.artifacts.verify(digest);
      const found = new Set<string>();
      for await (const item of readTar(this.deps.artifacts.path(digest))) {
        const key = item.type === 'file' ? safeSegments(item.path)?.join('/') : undefined;
        const entry = key === undefined ? undefined : wanted.get(key);
        if (!entry || found.has(key!)) continue;
        await writeVerified(item.contents(), join(temp, key!), entry, digest);
        found.add(key!);
      }
      const missing = [...wanted.keys()].filter((key) => !found.has(key));
      if (missing.length > 0) {
        throw new BerthError('artifact_digest_mismatch', `The artifact ${digest} lacks ${missing.length} file(s) its asset manifest names, e.g. ${missing[0]}.`, { details: { digest, missing: missing.slice(0, 10) } });
      }
      await rename(temp, final).catch(async (error: NodeJS.ErrnoException) => {
        // Another request (or process) put the same verified files in place first.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
        await rm(temp, { recursive: true, force: true });
      });
      return final;
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
  }
}

async function writeVerified(contents: AsyncIterable<Buffer>, destination: string, entry: AssetManifestEntry, digest: string): Promise<void> {
  await mkdir(dirname(destination), { recursive: true });
  const hash = createHash('sha256');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(contents, hashing, createWriteStream(destination, { flags: 'wx', mode: 0o444 }));
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== entry.digest || size !== entry.size) {
    throw new BerthError('artifact_digest_mismatch', `The asset ${entry.path} in artifact ${digest} hashes to ${actual} (${size} bytes), not the ${entry.digest} (${entry.size} bytes) its manifest names.`, {
      details: { digest, path: entry.path, expected: entry.digest, actual },
    });
  }
}
