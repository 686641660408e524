import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { BerthError } from '@berth/core';

const digestPattern = /^sha256:([0-9a-f]{64})$/;

/**
 * A digest the runner did not get what it asked for with: the bytes hash to `actual`, not to
 * `expected`. It carries both so the timeline can show them side by side.
 */
export class ArtifactDigestMismatchError extends BerthError {
  readonly expected: string;
  readonly actual: string;

  constructor(expected: string, actual: string, where: string) {
    super('artifact_digest_mismatch', `The artifact ${where} hashes to ${actual}, not to ${expected}.`, { details: { expected, actual } });
    this.name = 'ArtifactDigestMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * Checks that `digest` is `sha256:` and 64 lowercase hex digits and returns the hex. The hex names a
 * file in the cache, so anything else (a slash, `..`, upper case that would name a second copy) is
 * refused before it reaches a path.
 */
export function digestHex(digest: string): string {
  const match = digestPattern.exec(digest);
  if (!match) {
    throw new BerthError('invalid_id', `"${digest.slice(0, 80)}" is not an artifact digest.`, {
      suggestion: 'Artifact digests look like sha256: followed by 64 lowercase hex digits; copy it from the deployment.',
      details: { digest: digest.slice(0, 80) },
    });
  }
  return match[1]!;
}

/** The sha256 digest of a file, streamed so a large artifact is never held in memory. */
export async function digestOfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}
