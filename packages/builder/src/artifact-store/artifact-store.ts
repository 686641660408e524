import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '@berth/core';
import { digestFromHash, parseDigest, type Digest } from '../digest/digest.js';
import { extractTar } from '../tar/tar-extract.js';

/** What the store knows about one artifact. */
export interface StoredArtifact {
  digest: Digest;
  size: number;
}

/** A verified artifact opened for reading. */
export interface OpenArtifact extends StoredArtifact {
  /** The artifact's bytes, read from the same open file that was just verified; closes at its end. */
  stream: Readable;
}

/**
 * Artifacts on disk, named by the sha256 of their bytes: `<root>/sha256/<hex>`. A name is only
 * ever given by hashing, and every read hashes again, so a file changed on disk is refused rather
 * than deployed. Writes go to `<root>/tmp/` first and are renamed into place, so a reader never
 * sees a half-written artifact, and two writers of the same artifact cannot corrupt each other.
 */
export class ArtifactStore {
  constructor(readonly root: string) {}

  /** Where the artifact with this digest lives (or would live). The digest is checked first. */
  path(digest: string): string {
    return join(this.root, 'sha256', parseDigest(digest).hex);
  }

  async has(digest: string): Promise<boolean> {
    return lstat(this.path(digest)).then(() => true, () => false);
  }

  /**
   * Copies a tar file into the store, hashing it on the way, and returns its digest. Putting the
   * same bytes again keeps the stored copy and returns the same digest. Stored files are made
   * read-only as a guard against accidental edits; verification on read is the real protection.
   */
  async put(tarFile: string): Promise<StoredArtifact> {
    await mkdir(join(this.root, 'sha256'), { recursive: true });
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    // A unique temp name per put means concurrent puts never write into the same file.
    const temp = join(this.root, 'tmp', `${randomUUID()}.tar`);
    try {
      const hash = createHash('sha256');
      let size = 0;
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      await pipeline(createReadStream(tarFile), hashing, createWriteStream(temp, { flags: 'wx', flush: true }));
      const digest = digestFromHash(hash);
      if (await this.has(digest)) {
        await rm(temp, { force: true });
      } else {
        await chmod(temp, 0o444);
        // rename() is atomic: readers see no file or the whole file. If a concurrent put of the
        // same bytes renamed first, this replaces identical bytes with identical bytes.
        await rename(temp, this.path(digest));
      }
      return { digest, size };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** Re-hashes the stored file; refuses one that is missing or no longer matches its name. */
  async verify(digest: string): Promise<StoredArtifact> {
    const { handle, ...artifact } = await this.openVerified(digest);
    await handle.close();
    return artifact;
  }

  /** Verifies an artifact and returns a stream of exactly the bytes that were verified. */
  async open(digest: string): Promise<OpenArtifact> {
    const { handle, ...artifact } = await this.openVerified(digest);
    return { ...artifact, stream: handle.createReadStream({ start: 0, autoClose: true }) };
  }

  /** Verifies an artifact, then unpacks those same bytes into `destDir` with the extractor's checks. */
  async extract(digest: string, destDir: string): Promise<StoredArtifact> {
    const { handle, ...artifact } = await this.openVerified(digest);
    try {
      await extractTar(handle, destDir);
      return artifact;
    } finally {
      await handle.close();
    }
  }

  /**
   * Opens the stored file and hashes it through the handle that the caller will read from. The
   * handle pins the file, so one swapped in by rename after the check cannot be read in its place.
   */
  private async openVerified(digest: string): Promise<StoredArtifact & { handle: FileHandle }> {
    const path = this.path(digest);
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      throw new BerthError('artifact_not_found', `No artifact ${digest} is in the store.`, { details: { digest } });
    });
    try {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of handle.createReadStream({ start: 0, autoClose: false }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
      }
      const actual = digestFromHash(hash);
      if (actual !== digest) {
        throw new BerthError('artifact_digest_mismatch', `The artifact stored as ${digest} now hashes to ${actual}.`, {
          details: { expected: digest, actual },
        });
      }
      return { digest: actual, size, handle };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }
}
