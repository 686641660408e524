import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssetManifestEntry } from './asset-manifest.js';
import { MemoryCache } from './memory-cache.js';

/** Where the bytes of assets come from when the edge does not hold them yet: the control plane's artifact store. */
export interface AssetSource {
  /** The asset manifest of artifact `digest`, as parsed JSON (checked by the caller). */
  manifest(digest: string): Promise<unknown>;
  /** The bytes of one file of artifact `digest` (checked against the entry's size and sha256 by the caller). */
  file(digest: string, entry: AssetManifestEntry): Promise<AsyncIterable<Uint8Array>>;
}

/** A file ready to serve: its bytes in memory, or the path of its verified copy on disk. */
export type AssetBlob = { bytes: Buffer; path?: undefined } | { bytes?: undefined; path: string };

export interface AssetFilesOptions {
  source: AssetSource;
  /** Verified files are kept here named by their sha256, so a restart does not fetch them again. */
  cacheDir: string;
  /** Total bytes of files kept in memory (64 MiB unless told). */
  memoryBytes?: number;
  /** Files larger than this are served from disk, never held in memory (4 MiB unless told). */
  maxMemoryFileBytes?: number;
}

const MiB = 1024 * 1024;

/**
 * The bytes of assets, content-addressed by their sha256: from memory when recently served, else
 * from the disk cache, else fetched once from the source, verified and written to disk. Two
 * requests for a file not held yet share one fetch. Nothing unverified is ever served: a fetched
 * file whose size or hash differs from its manifest entry is thrown away.
 */
export class AssetFiles {
  readonly #source: AssetSource;
  readonly #dir: string;
  readonly #memory: MemoryCache;
  readonly #maxMemoryFileBytes: number;
  readonly #pending = new Map<string, Promise<AssetBlob>>();
  #dirReady: Promise<unknown> | undefined;

  constructor(options: AssetFilesOptions) {
    this.#source = options.source;
    this.#dir = join(options.cacheDir, 'files');
    this.#memory = new MemoryCache(options.memoryBytes ?? 64 * MiB);
    this.#maxMemoryFileBytes = options.maxMemoryFileBytes ?? 4 * MiB;
  }

  get source(): AssetSource {
    return this.#source;
  }

  /** The bytes of `entry` if they are in memory: the synchronous path for a warm asset. */
  inMemory(entry: AssetManifestEntry): Buffer | undefined {
    return this.#memory.get(entry.digest);
  }

  /** The blob of `entry` of artifact `digest`, fetching and verifying it on first use. */
  get(digest: string, entry: AssetManifestEntry): Promise<AssetBlob> {
    const bytes = this.#memory.get(entry.digest);
    if (bytes !== undefined) return Promise.resolve({ bytes });
    let pending = this.#pending.get(entry.digest);
    if (pending === undefined) {
      pending = this.#load(digest, entry).finally(() => this.#pending.delete(entry.digest));
      this.#pending.set(entry.digest, pending);
    }
    return pending;
  }

  async #load(digest: string, entry: AssetManifestEntry): Promise<AssetBlob> {
    const path = join(this.#dir, entry.digest.slice('sha256:'.length));
    const onDisk = await stat(path).then((s) => s.size === entry.size, () => false);
    if (!onDisk) await this.#fetch(digest, entry, path);
    if (entry.size > this.#maxMemoryFileBytes) return { path };
    const bytes = await readFile(path);
    // A file on disk could have been changed since it was verified; one that no longer hashes to
    // its digest is deleted and fetched again rather than served.
    if (sha256(bytes) !== entry.digest) {
      await rm(path, { force: true });
      await this.#fetch(digest, entry, path);
      return this.#load(digest, entry);
    }
    this.#memory.set(entry.digest, bytes);
    return { bytes };
  }

  async #fetch(digest: string, entry: AssetManifestEntry, path: string): Promise<void> {
    this.#dirReady ??= mkdir(this.#dir, { recursive: true });
    await this.#dirReady;
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const hash = createHash('sha256');
    let size = 0;
    const handle = await open(temporary, 'w', 0o600);
    try {
      for await (const chunk of await this.#source.file(digest, entry)) {
        size += chunk.length;
        if (size > entry.size) throw new Error(`asset ${entry.path} is larger than the ${entry.size} bytes its manifest says`);
        hash.update(chunk);
        await handle.write(chunk);
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (size !== entry.size || actual !== entry.digest) {
        throw new Error(`asset ${entry.path} fetched as ${size} bytes hashing to ${actual}, not the ${entry.size} bytes and ${entry.digest} of its manifest`);
      }
      await handle.sync();
      await handle.close();
      await rename(temporary, path);
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(temporary, { force: true });
      throw error;
    }
  }
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
