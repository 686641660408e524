import { rm } from 'node:fs/promises';
import { writeTar, type WriteTarResult } from '../tar/tar-writer.js';
import { collectSource, sourceTooLarge, type CollectOptions } from './collect-source.js';

export interface PackResult extends WriteTarResult {
  /** How many files and symlinks were packed (parent folders are counted in `entries` only). */
  files: number;
}

/**
 * Collects a project's source and writes its deterministic tar to `outFile`. The limit is checked
 * twice: on the walk, before anything is written, and on the content the writer actually packed,
 * because a file can grow between the walk and the write (a dev server still running). The writer
 * refuses a file whose size changes while it is read, so its count is exact. Whenever packing
 * fails, no partial archive is left behind.
 */
export async function packSource(dir: string, outFile: string, options: CollectOptions): Promise<PackResult> {
  try {
    const files = await collectSource(dir, options);
    const result = await writeTar(dir, files.map((file) => file.path), outFile);
    if (result.contentBytes > options.maxBytes) throw sourceTooLarge(result.contentBytes, options.maxBytes);
    return { ...result, files: files.length };
  } catch (error) {
    // A stale archive from an earlier run at the same path is removed too: after a refusal,
    // nothing at `outFile` can be mistaken for this source's artifact.
    await rm(outFile, { force: true });
    throw error;
  }
}
