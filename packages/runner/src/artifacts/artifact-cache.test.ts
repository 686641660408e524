import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { tempDir } from '@berth/testkit';
import { ArtifactCache } from './artifact-cache.js';
import { ArtifactDigestMismatchError } from './digest.js';

let dir: { path: string; remove: () => Promise<void> };
let tarball: string;
let digest: string;

before(async () => {
  dir = await tempDir('berth-artifact-cache-');
  const source = join(dir.path, 'source');
  await mkdir(join(source, 'bin'), { recursive: true });
  await writeFile(join(source, 'index.txt'), 'the built app\n');
  await writeFile(join(source, 'bin', 'start'), '#!/bin/sh\necho started\n');
  await chmod(join(source, 'bin', 'start'), 0o755);
  tarball = join(dir.path, 'artifact.tar');
  execFileSync('tar', ['-cf', tarball, '-C', source, '.']);
  digest = `sha256:${createHash('sha256').update(await readFile(tarball)).digest('hex')}`;
});
after(() => dir.remove());

/** A download that counts its calls and serves the tarball (or other bytes). */
function downloader(bytes?: () => Buffer) {
  const calls: string[] = [];
  const download = async (asked: string) => {
    calls.push(asked);
    return bytes ? Readable.from([bytes()]) : createReadStream(tarball);
  };
  return { calls, download };
}

test('a good download is verified, renamed into place and then served from the cache', async () => {
  const cache = new ArtifactCache(join(dir.path, 'cache-good'));
  const { calls, download } = downloader();
  const first = await cache.fetch(digest, download);
  assert.equal(first.source, 'download');
  assert.equal(first.path, join(dir.path, 'cache-good', 'sha256', digest.slice('sha256:'.length)));
  assert.deepEqual(await readdir(join(dir.path, 'cache-good', 'sha256')), [digest.slice(7)]);
  const second = await cache.fetch(digest, download);
  assert.equal(second.source, 'cache');
  assert.equal(calls.length, 1);
});

test('a web ReadableStream download works too', async () => {
  const cache = new ArtifactCache(join(dir.path, 'cache-web'));
  const fetched = await cache.fetch(digest, async () => Readable.toWeb(createReadStream(tarball)) as never);
  assert.equal(fetched.bytes, (await stat(tarball)).size);
});

test('a download that does not match its digest is refused and leaves nothing behind', async () => {
  const cache = new ArtifactCache(join(dir.path, 'cache-bad'));
  const { download } = downloader(() => Buffer.from('not the artifact'));
  const error = await cache.fetch(digest, download).catch((caught: unknown) => caught);
  assert.ok(error instanceof ArtifactDigestMismatchError);
  assert.equal(error.expected, digest);
  assert.equal(error.actual, `sha256:${createHash('sha256').update('not the artifact').digest('hex')}`);
  assert.equal(error.code, 'artifact_digest_mismatch');
  assert.deepEqual(await readdir(join(dir.path, 'cache-bad', 'sha256')), []);
});

test('a tampered cache file is refused and downloaded again once', async () => {
  const cache = new ArtifactCache(join(dir.path, 'cache-tampered'));
  const { calls, download } = downloader();
  const { path } = await cache.fetch(digest, download);
  await writeFile(path, 'tampered');
  const again = await cache.fetch(digest, download);
  assert.equal(again.source, 'download');
  assert.ok(again.discardedTampered?.actual.startsWith('sha256:'));
  assert.equal(calls.length, 2);
  assert.deepEqual(await readFile(path), await readFile(tarball));
});

test('a tampered cache file whose re-download mismatches too fails', async () => {
  const cache = new ArtifactCache(join(dir.path, 'cache-twice'));
  await cache.fetch(digest, downloader().download);
  await writeFile(cache.pathOf(digest), 'tampered');
  await assert.rejects(cache.fetch(digest, downloader(() => Buffer.from('still wrong')).download), ArtifactDigestMismatchError);
});

test('digests are validated before they name a path', async () => {
  const cache = new ArtifactCache(join(dir.path, 'cache-names'));
  for (const bad of ['sha256:../../etc/passwd', `sha256:${'A'.repeat(64)}`, 'md5:abc', `${digest}/x`]) {
    await assert.rejects(cache.fetch(bad, downloader().download), { code: 'invalid_id' });
  }
});

test('unpack extracts a verified artifact keeping its modes, and refuses a tampered one', async () => {
  const cache = new ArtifactCache(join(dir.path, 'cache-unpack'));
  await cache.fetch(digest, downloader().download);
  const dest = join(dir.path, 'unpacked');
  await cache.unpack(digest, dest);
  assert.equal(await readFile(join(dest, 'index.txt'), 'utf8'), 'the built app\n');
  assert.equal((await stat(join(dest, 'bin', 'start'))).mode & 0o777, 0o755);
  await writeFile(cache.pathOf(digest), 'tampered after the fetch');
  await assert.rejects(cache.unpack(digest, join(dir.path, 'unpacked-2')), ArtifactDigestMismatchError);
});
