import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { BerthError } from '@berth/core';

/**
 * A content digest as Berth writes it everywhere: `sha256:` followed by 64 lowercase hex digits.
 * The type is a template literal so that a plain string cannot be passed where a checked digest is
 * expected without going through `parseDigest`.
 */
export type Digest = `sha256:${string}`;

const DIGEST_PATTERN = /^sha256:([0-9a-f]{64})$/;

/** Whether a string is a well-formed digest; it says nothing about whether the artifact exists. */
export function isDigest(value: string): value is Digest {
  return DIGEST_PATTERN.test(value);
}

/**
 * Checks a digest and returns its hex part. Digests become file names in the artifact store, so
 * anything but the exact form is refused here: no uppercase (two spellings of one artifact), no
 * other algorithm, and no slashes or dots that could walk out of the store's folder.
 */
export function parseDigest(value: string): { algorithm: 'sha256'; hex: string } {
  const match = DIGEST_PATTERN.exec(value);
  if (match === null || match[1] === undefined) {
    throw new BerthError('invalid_id', `"${truncate(value)}" is not an artifact digest.`, {
      suggestion: 'Artifact digests look like sha256: followed by 64 lowercase hex digits.',
      details: { digest: truncate(value) },
    });
  }
  return { algorithm: 'sha256', hex: match[1] };
}

/** Turns a finished sha256 hash into a digest string. */
export function digestFromHash(hash: Hash): Digest {
  return `sha256:${hash.digest('hex')}`;
}

/** Hashes one file by streaming it, so a large artifact never sits in memory. */
export async function sha256File(path: string): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: digestFromHash(hash), size };
}

// A refused value is echoed back to help the caller, but never at unbounded length.
function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
