import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { isBerthError, type ErrorCode } from '@berth/core';
import { tempDir } from '@berth/testkit';
import { writeTree } from '../test-support/tree-fixture.js';
import { writeTar } from '../tar/tar-writer.js';
import { ArtifactStore } from './artifact-store.js';

function isCode(code: ErrorCode) {
  return (error: unknown) => isBerthError(error) && error.code === code;
}

async function fixture(t: { after: (fn: () => Promise<void>) => void }): Promise<{ dir: string; store: ArtifactStore; tar: string }> {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(join(dir.path, 'tree'), { 'index.html': '<h1>hello</h1>\n', 'bin/run': { content: '#!/bin/sh\n', mode: 0o755 } });
  const tar = join(dir.path, 'app.tar');
  await writeTar(join(dir.path, 'tree'), ['index.html', 'bin/run'], tar);
  return { dir: dir.path, store: new ArtifactStore(join(dir.path, 'store')), tar };
}

test('put names an artifact by the sha256 of its bytes, and putting it again keeps one file', async (t) => {
  const { dir, store, tar } = await fixture(t);
  const bytes = await readFile(tar);
  const first = await store.put(tar);
  const second = await store.put(tar);
  assert.equal(first.digest, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  assert.deepEqual(second, first);
  assert.equal(first.size, bytes.length);
  assert.deepEqual(await readdir(join(dir, 'store', 'sha256')), [first.digest.slice('sha256:'.length)]);
  assert.deepEqual(await readdir(join(dir, 'store', 'tmp')), []);
  assert.equal(store.path(first.digest), join(dir, 'store', 'sha256', first.digest.slice(7)));
  assert.equal(await store.has(first.digest), true);
  assert.deepEqual(await store.verify(first.digest), first);
});

test('concurrent puts of the same artifact are safe', async (t) => {
  const { dir, store, tar } = await fixture(t);
  const results = await Promise.all(Array.from({ length: 12 }, () => store.put(tar)));
  assert.equal(new Set(results.map((r) => r.digest)).size, 1);
  assert.equal((await readdir(join(dir, 'store', 'sha256'))).length, 1);
  assert.deepEqual(await readdir(join(dir, 'store', 'tmp')), []);
  await store.verify(results[0]!.digest);
});

test('a stored artifact changed on disk is refused on every read', async (t) => {
  const { dir, store, tar } = await fixture(t);
  const { digest } = await store.put(tar);
  const path = store.path(digest);
  const bytes = await readFile(path);
  bytes[600] = bytes[600]! ^ 0x01;
  await chmod(path, 0o644);
  await writeFile(path, bytes);
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  for (const read of [() => store.verify(digest), () => store.open(digest), () => store.extract(digest, join(dir, 'out'))]) {
    await assert.rejects(read(), (error: unknown) => {
      assert.ok(isBerthError(error) && error.code === 'artifact_digest_mismatch');
      assert.ok(error.message.includes(digest) && error.message.includes(actual), error.message);
      assert.deepEqual(error.details, { expected: digest, actual });
      return true;
    });
  }
  await assert.rejects(readdir(join(dir, 'out')), { code: 'ENOENT' }, 'nothing was extracted');
});

test('open streams the verified bytes and extract unpacks them', async (t) => {
  const { dir, store, tar } = await fixture(t);
  const { digest, size } = await store.put(tar);
  const opened = await store.open(digest);
  assert.equal(opened.size, size);
  assert.deepEqual(await buffer(opened.stream), await readFile(tar));
  await store.extract(digest, join(dir, 'out'));
  assert.equal(await readFile(join(dir, 'out', 'index.html'), 'utf8'), '<h1>hello</h1>\n');
});

test('a missing artifact is artifact_not_found; a malformed digest is refused before touching the disk', async (t) => {
  const { dir, store } = await fixture(t);
  const absent = `sha256:${'0'.repeat(64)}`;
  assert.equal(await store.has(absent), false);
  await assert.rejects(store.verify(absent), isCode('artifact_not_found'));
  await assert.rejects(store.open(absent), isCode('artifact_not_found'));
  await assert.rejects(store.extract(absent, join(dir, 'out')), isCode('artifact_not_found'));
  for (const bad of ['sha256:../../etc/passwd', `sha256:${'A'.repeat(64)}`, `sha512:${'0'.repeat(64)}`, '0'.repeat(64), `sha256:${'0'.repeat(63)}`, `sha256:${'0'.repeat(64)}/`]) {
    assert.throws(() => store.path(bad), isCode('invalid_id'), bad);
    await assert.rejects(store.has(bad), isCode('invalid_id'), bad);
    await assert.rejects(store.verify(bad), isCode('invalid_id'), bad);
  }
});
