import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, lstat, mkdir, open, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@berth/testkit';
import { writeTree } from '../test-support/tree-fixture.js';
import { writeTar } from './tar-writer.js';
import { listTar } from './tar-reader.js';
import { TarError } from './tar-error.js';

const TREE = {
  'package.json': '{"name":"app"}\n',
  'src/index.js': 'console.log("hi")\n',
  'src/lib/util.js': 'export const x = 1;\n',
  'bin/start': { content: '#!/bin/sh\nexec node src/index.js\n', mode: 0o700 },
  'README': { content: 'read me\n', mode: 0o600 },
  'current': { symlink: 'src/index.js' },
};
const PATHS = ['package.json', 'src/index.js', 'src/lib/util.js', 'bin/start', 'README', 'current'];

test('the same tree packed twice gives identical bytes', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(join(dir.path, 'tree'), TREE);
  const first = await writeTar(join(dir.path, 'tree'), PATHS, join(dir.path, 'a.tar'));
  const second = await writeTar(join(dir.path, 'tree'), [...PATHS].reverse(), join(dir.path, 'b.tar'));
  assert.deepEqual(await readFile(join(dir.path, 'a.tar')), await readFile(join(dir.path, 'b.tar')));
  assert.equal(first.digest, second.digest);
  assert.equal(first.size, (await lstat(join(dir.path, 'a.tar'))).size);
});

test('mtimes, owners and non-executable mode bits do not change the bytes', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(join(dir.path, 'one'), TREE);
  await writeTree(join(dir.path, 'two'), TREE);
  const two = join(dir.path, 'two');
  await utimes(join(two, 'package.json'), new Date('2001-02-03'), new Date('2001-02-03'));
  await utimes(join(two, 'src'), 12345, 12345);
  await chmod(join(two, 'README'), 0o664);
  await chmod(join(two, 'bin/start'), 0o755);
  if (process.getuid?.() === 0) await chown(join(two, 'src/index.js'), 4321, 4321);
  const a = await writeTar(join(dir.path, 'one'), PATHS, join(dir.path, 'a.tar'));
  const b = await writeTar(two, PATHS, join(dir.path, 'b.tar'));
  assert.equal(a.digest, b.digest);
});

test('one changed byte changes the digest', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(join(dir.path, 'tree'), TREE);
  const before = await writeTar(join(dir.path, 'tree'), PATHS, join(dir.path, 'a.tar'));
  await writeFile(join(dir.path, 'tree', 'src/lib/util.js'), 'export const x = 2;\n');
  const after = await writeTar(join(dir.path, 'tree'), PATHS, join(dir.path, 'b.tar'));
  assert.notEqual(before.digest, after.digest);
  assert.equal(before.size, after.size);
});

test('entries are sorted by path bytes, parents are added and modes are normalised', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(join(dir.path, 'tree'), TREE);
  await writeTar(join(dir.path, 'tree'), PATHS, join(dir.path, 'a.tar'));
  const entries = await listTar(join(dir.path, 'a.tar'));
  assert.deepEqual(
    entries.map((e) => [e.path, e.type, e.mode.toString(8), e.mtime, e.uid, e.gid]),
    [
      ['README', 'file', '644', 0, 0, 0],
      ['bin/', 'directory', '755', 0, 0, 0],
      ['bin/start', 'file', '755', 0, 0, 0],
      ['current', 'symlink', '777', 0, 0, 0],
      ['package.json', 'file', '644', 0, 0, 0],
      ['src/', 'directory', '755', 0, 0, 0],
      ['src/index.js', 'file', '644', 0, 0, 0],
      ['src/lib/', 'directory', '755', 0, 0, 0],
      ['src/lib/util.js', 'file', '644', 0, 0, 0],
    ],
  );
  assert.equal(entries.find((e) => e.path === 'current')?.linkTarget, 'src/index.js');
});

test('a symlink that leaves the tree is refused, naming the file', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  const cases: Array<[string, Record<string, { symlink: string }>]> = [
    ['relative', { 'conf/escape': { symlink: '../../etc/passwd' } }],
    ['absolute', { 'conf/escape': { symlink: '/etc/passwd' } }],
    // Each link alone looks inside; together `here/..` is the tree's parent.
    ['chained', { 'conf/here': { symlink: '..' }, 'conf/escape': { symlink: 'here/..' } }],
  ];
  for (const [name, tree] of cases) {
    const root = join(dir.path, name);
    await writeTree(root, { 'a.txt': 'a', ...tree });
    await assert.rejects(
      writeTar(root, ['a.txt', ...Object.keys(tree)], join(dir.path, `${name}.tar`)),
      (error: unknown) => error instanceof TarError && error.path === 'conf/escape' && error.message.includes('conf/escape'),
      name,
    );
    await assert.rejects(lstat(join(dir.path, `${name}.tar`)), { code: 'ENOENT' }, 'no partial archive is left');
  }
});

test('a FIFO is refused, and so are paths that climb out or pass through a symlink', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(dir.path, { 'tree/a.txt': 'a', 'outside.txt': 'secret' });
  execFileSync('mkfifo', [join(dir.path, 'tree', 'pipe')]);
  await assert.rejects(writeTar(join(dir.path, 'tree'), ['a.txt', 'pipe'], join(dir.path, 'x.tar')), /pipe is a device, socket or FIFO/);
  await assert.rejects(writeTar(join(dir.path, 'tree'), ['../outside.txt'], join(dir.path, 'x.tar')), TarError);
  await assert.rejects(writeTar(join(dir.path, 'tree'), ['/etc/passwd'], join(dir.path, 'x.tar')), TarError);
  await writeTree(dir.path, { 'tree/up': { symlink: '..' } });
  await assert.rejects(writeTar(join(dir.path, 'tree'), ['up/outside.txt'], join(dir.path, 'x.tar')), /reached through up, which is not a real folder/);
});

test('a large tree is streamed, not buffered', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  const size = 128 * 1024 * 1024;
  // A sparse file: 128 MiB to read, almost nothing on disk.
  await mkdir(join(dir.path, 'tree'));
  const handle = await open(join(dir.path, 'tree', 'big.bin'), 'w');
  await handle.truncate(size);
  await handle.close();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  const result = await writeTar(join(dir.path, 'tree'), ['big.bin'], join(dir.path, 'big.tar'));
  clearInterval(sampler);
  assert.equal(result.contentBytes, size);
  // Buffering the file would grow memory by at least its size; streaming stays at a few chunks.
  assert.ok(peak - baseline < 64 * 1024 * 1024, `memory grew by ${Math.round((peak - baseline) / 1048576)} MiB while packing 128 MiB`);
});
