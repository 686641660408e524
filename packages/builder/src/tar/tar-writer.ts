import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestFromHash, type Digest } from '../digest/digest.js';
import { encodeEntryHeader, endOfArchive, paddingFor } from './tar-header.js';
import { planTarEntries, type PlannedEntry } from './tar-plan.js';
import { TarError } from './tar-error.js';

export interface WriteTarResult {
  /** The sha256 of the archive bytes, computed while writing them. */
  digest: Digest;
  /** The archive's length in bytes. */
  size: number;
  /** How many entries the archive holds, parent directories included. */
  entries: number;
  /** The bytes of file content inside the archive, headers and padding excluded. */
  contentBytes: number;
}

const CHUNK_SIZE = 64 * 1024;

/**
 * Writes a deterministic, uncompressed tar of `paths` (relative to `root`) to `outFile`. Contents
 * are streamed from disk in small chunks with backpressure, so a tree of any size is never held in
 * memory. A file that changes size while it is packed fails the write rather than producing an
 * archive whose header disagrees with its body. On any failure the partial output is removed.
 */
export async function writeTar(root: string, paths: readonly string[], outFile: string): Promise<WriteTarResult> {
  const entries = await planTarEntries(root, paths);
  const hash = createHash('sha256');
  let size = 0;
  // Hashing and counting here, on the way out, saves reading the archive again to name it.
  const track = (chunk: Buffer): Buffer => {
    hash.update(chunk);
    size += chunk.length;
    return chunk;
  };

  async function* archiveBytes(): AsyncGenerator<Buffer> {
    for (const entry of entries) {
      yield track(encodeEntryHeader(entry));
      if (entry.type !== 'file') continue;
      for await (const chunk of fileContents(entry)) yield track(chunk);
      const padding = paddingFor(entry.size);
      if (padding > 0) yield track(Buffer.alloc(padding));
    }
    yield track(endOfArchive());
  }

  try {
    await pipeline(Readable.from(archiveBytes(), { objectMode: false }), createWriteStream(outFile));
  } catch (error) {
    await rm(outFile, { force: true });
    throw error;
  }
  const contentBytes = entries.reduce((sum, entry) => sum + entry.size, 0);
  return { digest: digestFromHash(hash), size, entries: entries.length, contentBytes };
}

async function* fileContents(entry: PlannedEntry): AsyncGenerator<Buffer> {
  const handle = await open(entry.source, 'r');
  try {
    let done = 0;
    while (done < entry.size) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, entry.size - done));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, done);
      if (bytesRead === 0) throw changed(entry, 'shrank');
      done += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
    const { bytesRead } = await handle.read(Buffer.alloc(1), 0, 1, done);
    if (bytesRead > 0) throw changed(entry, 'grew');
  } finally {
    await handle.close();
  }
}

function changed(entry: PlannedEntry, how: string): TarError {
  return new TarError(`${entry.path} ${how} while it was being packed; pack the tree again once it is stable.`, entry.path);
}
