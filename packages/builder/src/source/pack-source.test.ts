import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, lstat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isBerthError } from '@berth/core';
import { tempDir } from '@berth/testkit';
import { writeTree } from '../test-support/tree-fixture.js';
import { listTar } from '../tar/tar-reader.js';
import { packSource } from './pack-source.js';

const PROJECT = {
  '.gitignore': 'node_modules/\n*.log\n',
  '.berthignore': 'tests/\n',
  'package.json': '{"name":"app"}',
  'src/server.js': 'export {}',
  'tests/server.test.js': 'x',
  'node_modules/dep/index.js': 'x',
  'debug.log': 'x',
  '.git/config': '[core]',
};

test('packSource writes exactly the collected files, in a deterministic archive', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(join(dir.path, 'one'), PROJECT);
  const result = await packSource(join(dir.path, 'one'), join(dir.path, 'one.tar'), { maxBytes: 1024 });
  const entries = await listTar(join(dir.path, 'one.tar'));
  assert.deepEqual(entries.map((e) => e.path), ['.berthignore', '.gitignore', 'package.json', 'src/', 'src/server.js']);
  assert.equal(result.files, 4);
  assert.equal(result.entries, 5);
  assert.equal(result.size, (await lstat(join(dir.path, 'one.tar'))).size);

  // A copy made later, with other timestamps and without the ignored files, packs to the same digest.
  await cp(join(dir.path, 'one'), join(dir.path, 'two'), { recursive: true });
  await utimes(join(dir.path, 'two', 'package.json'), 1, 1);
  await writeFile(join(dir.path, 'two', 'debug.log'), 'different log');
  const again = await packSource(join(dir.path, 'two'), join(dir.path, 'two.tar'), { maxBytes: 1024 });
  assert.equal(again.digest, result.digest);
});

test('packSource refuses an oversized source and leaves no output behind', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(join(dir.path, 'app'), { ...PROJECT, 'assets/video.mp4': Buffer.alloc(10_000) });
  const outFile = join(dir.path, 'app.tar');
  await writeFile(outFile, 'an archive from an earlier run');
  await assert.rejects(packSource(join(dir.path, 'app'), outFile, { maxBytes: 8192 }), (error: unknown) => {
    assert.ok(isBerthError(error) && error.code === 'source_too_large');
    assert.match(error.message, /over the limit of 8\.0 KiB \(8192 bytes\)/);
    return true;
  });
  await assert.rejects(lstat(outFile), { code: 'ENOENT' });
});
