import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ArtifactDigestMismatchError, digestHex, digestOfFile } from './digest.js';
import { untar } from './untar.js';

/** Fetches an artifact's bytes by digest, from the control plane or wherever artifacts are served. */
export type ArtifactDownload = (digest: string) => Promise<NodeJS.ReadableStream | WebReadableStream<Uint8Array>>;

export interface FetchedArtifact {
  digest: string;
  /** The verified file in the cache. */
  path: string;
  bytes: number;
  /** `cache` when a verified cached copy was used; `download` when the bytes were fetched now. */
  source: 'cache' | 'download';
  /** Set when a cached copy no longer matched its digest and was discarded before downloading again. */
  discardedTampered?: { actual: string };
}

/**
 * The runner's content-addressed artifact cache: `<dir>/sha256/<hex>`. A file is only ever named by
 * the digest its bytes were verified against, and it is verified again every time it is used, so a
 * file changed on disk is never started.
 */
export class ArtifactCache {
  readonly dir: string;
  // One download per digest at a time: two allocations of one deployment share the fetch, and two
  // writers never race on the same .partial file.
  readonly #inFlight = new Map<string, Promise<FetchedArtifact>>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Where the artifact with this digest lives in the cache (whether or not it is there). */
  pathOf(digest: string): string {
    return join(this.dir, 'sha256', digestHex(digest));
  }

  /**
   * A verified copy of the artifact. A cached copy is re-hashed before use; one that no longer
   * matches is deleted and downloaded once more, and a download that does not match is refused
   * with an ArtifactDigestMismatchError (its partial file deleted).
   */
  async fetch(digest: string, download: ArtifactDownload): Promise<FetchedArtifact> {
    const path = this.pathOf(digest);
    let pending = this.#inFlight.get(digest);
    if (!pending) {
      pending = this.#fetch(digest, path, download).finally(() => this.#inFlight.delete(digest));
      this.#inFlight.set(digest, pending);
    }
    return pending;
  }

  async #fetch(digest: string, path: string, download: ArtifactDownload): Promise<FetchedArtifact> {
    const cached = await stat(path).catch(() => null);
    let discardedTampered: { actual: string } | undefined;
    if (cached) {
      const actual = await digestOfFile(path);
      if (actual === digest) return { digest, path, bytes: cached.size, source: 'cache' };
      discardedTampered = { actual };
      await rm(path, { force: true });
    }
    const bytes = await this.#download(digest, path, download);
    return { digest, path, bytes, source: 'download', ...(discardedTampered ? { discardedTampered } : {}) };
  }

  /** Streams to `<hex>.partial` while hashing, and renames into place only once the hash matches. */
  async #download(digest: string, path: string, download: ArtifactDownload): Promise<number> {
    await mkdir(join(this.dir, 'sha256'), { recursive: true });
    const partial = `${path}.partial`;
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      const body = await download(digest);
      const source = body instanceof Readable ? body : 'getReader' in body ? Readable.fromWeb(body) : Readable.from(body);
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            bytes += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(partial, { mode: 0o600 }),
      );
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== digest) throw new ArtifactDigestMismatchError(digest, actual, 'downloaded');
      await rename(partial, path);
      return bytes;
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /**
   * Extracts a cached artifact into `destDir` after verifying it once more, so the bytes unpacked
   * are the bytes that were verified, even if the cache was written to since the fetch.
   */
  async unpack(digest: string, destDir: string): Promise<void> {
    const path = this.pathOf(digest);
    const actual = await digestOfFile(path);
    if (actual !== digest) throw new ArtifactDigestMismatchError(digest, actual, 'in the cache');
    await untar(path, destDir);
  }
}
