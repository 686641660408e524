import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@berth/testkit';
import { writeTree } from '../test-support/tree-fixture.js';
import { writeTar } from './tar-writer.js';
import { listTar } from './tar-reader.js';
import { extractTar } from './tar-extract.js';

// GNU tar is an independent implementation: if it reads our archives and we read its archives,
// neither side is only agreeing with itself.
const LONG = `${'a-rather-long-folder-name/'.repeat(5)}file-name-past-one-hundred-bytes.txt`;
const TREE = {
  'index.html': '<h1>hi</h1>\n',
  'bin/start': { content: '#!/bin/sh\necho start\n', mode: 0o755 },
  [LONG]: 'long\n',
  'latest': { symlink: 'index.html' },
};

test('GNU tar lists our archive with the normalised metadata', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(join(dir.path, 'tree'), TREE);
  await writeTar(join(dir.path, 'tree'), Object.keys(TREE), join(dir.path, 'a.tar'));
  const lines = execFileSync('tar', ['--numeric-owner', '--utc', '-tvf', join(dir.path, 'a.tar')], { encoding: 'utf8' }).trim().split('\n');
  const rows = lines.map((line) => {
    const [mode, owner, , date] = line.split(/\s+/);
    return [mode, owner, date, line.slice(line.indexOf(' 00:00 ') + 7)];
  });
  const folders = LONG.split('/').slice(0, -1).map((_, i, all) => `${all.slice(0, i + 1).join('/')}/`);
  assert.deepEqual(rows, [
    ...folders.map((folder) => ['drwxr-xr-x', '0/0', '1970-01-01', folder]),
    [ '-rw-r--r--', '0/0', '1970-01-01', LONG ],
    ['drwxr-xr-x', '0/0', '1970-01-01', 'bin/'],
    ['-rwxr-xr-x', '0/0', '1970-01-01', 'bin/start'],
    ['-rw-r--r--', '0/0', '1970-01-01', 'index.html'],
    ['lrwxrwxrwx', '0/0', '1970-01-01', 'latest -> index.html'],
  ]);
});

test('GNU tar extracts our archive to the same tree', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(join(dir.path, 'tree'), TREE);
  await writeTar(join(dir.path, 'tree'), Object.keys(TREE), join(dir.path, 'a.tar'));
  execFileSync('mkdir', [join(dir.path, 'out')]);
  // A warning (such as a malformed header) makes GNU tar exit non-zero, which fails the test.
  execFileSync('tar', ['-xf', join(dir.path, 'a.tar'), '-C', join(dir.path, 'out')]);
  assert.equal(await readFile(join(dir.path, 'out', LONG), 'utf8'), 'long\n');
  assert.equal(await readFile(join(dir.path, 'out', 'bin/start'), 'utf8'), '#!/bin/sh\necho start\n');
  assert.equal(await readlink(join(dir.path, 'out', 'latest')), 'index.html');
  // GNU tar's own check: compare the archive against the files it just extracted.
  execFileSync('tar', ['--compare', '-f', join(dir.path, 'a.tar'), '-C', join(dir.path, 'out')]);
});

test('our reader lists and extracts archives GNU tar wrote, in PAX and GNU formats', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(join(dir.path, 'tree'), TREE);
  for (const format of ['pax', 'gnu', 'ustar']) {
    const archive = join(dir.path, `${format}.tar`);
    // ustar cannot hold a 150-byte name without a prefix split, which exercises that path too.
    execFileSync('tar', [`--format=${format}`, '-cf', archive, '-C', join(dir.path, 'tree'), 'index.html', 'bin', LONG, 'latest']);
    const listed = await listTar(archive);
    assert.ok(listed.some((e) => e.path === LONG && e.type === 'file' && e.size === 5), format);
    assert.ok(listed.some((e) => e.path === 'latest' && e.type === 'symlink' && e.linkTarget === 'index.html'), format);
    const out = join(dir.path, `out-${format}`);
    await extractTar(archive, out);
    assert.equal(await readFile(join(out, LONG), 'utf8'), 'long\n', format);
    assert.equal(await readFile(join(out, 'bin/start'), 'utf8'), '#!/bin/sh\necho start\n', format);
  }
});
