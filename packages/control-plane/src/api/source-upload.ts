import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '@berth/core';
import { listTar } from '@berth/builder';

/**
 * Streams an uploaded source tarball to disk, hashing it on the way, and never holds it whole in
 * memory. Past `maxBytes` the upload is cut off with 413 and the partial file removed; a body that
 * is not a tar archive is refused with 400 before a deploy is recorded.
 */
export async function receiveSourceUpload(body: Readable, dataDir: string, maxBytes: number, declaredLength: number | undefined): Promise<{ tempFile: string; digest: string; size: number }> {
  if (declaredLength !== undefined && declaredLength > maxBytes) {
    body.resume();
    throw new BerthError('source_too_large', `The upload is ${declaredLength} bytes; the limit is ${maxBytes} bytes.`, { details: { size: declaredLength, limit: maxBytes } });
  }
  const dir = join(dataDir, 'uploads');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tempFile = join(dir, `incoming-${randomBytes(8).toString('hex')}.tar`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) return done(new BerthError('source_too_large', `The upload passed the limit of ${maxBytes} bytes.`, { details: { limit: maxBytes } }));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(tempFile, { mode: 0o600 }));
    if (size === 0) throw new BerthError('invalid_body', 'The upload is empty: send the source as a tar archive.');
    await listTar(tempFile);
  } catch (error) {
    await rm(tempFile, { force: true });
    if (error instanceof BerthError) throw error;
    throw new BerthError('invalid_body', `The upload is not a readable tar archive: ${(error as Error).message}`);
  }
  return { tempFile, digest: `sha256:${hash.digest('hex')}`, size };
}
