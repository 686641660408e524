import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readFile, readlink, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@berth/testkit';
import { writeTree } from '../test-support/tree-fixture.js';
import { encodeEntryHeader, endOfArchive, paddingFor, writeChecksum, type EntryHeader } from './tar-header.js';
import { writeTar } from './tar-writer.js';
import { listTar } from './tar-reader.js';
import { extractTar } from './tar-extract.js';
import { TarError } from './tar-error.js';

/** Builds an archive by hand, so tests can hold entries Berth's own writer would never produce. */
function craft(entries: Array<Partial<EntryHeader> & { path: string; content?: string; typeFlag?: string }>): Buffer {
  const parts: Buffer[] = [];
  for (const { content = '', typeFlag, ...fields } of entries) {
    const body = Buffer.from(content);
    const header = encodeEntryHeader({ type: 'file', mode: 0o644, linkTarget: '', ...fields, size: body.length });
    if (typeFlag !== undefined) {
      header.write(typeFlag, header.length - 512 + 156, 1, 'ascii');
      writeChecksum(header.subarray(header.length - 512));
    }
    parts.push(header, body, Buffer.alloc(paddingFor(body.length)));
  }
  return Buffer.concat([...parts, endOfArchive()]);
}

test('paths and link targets over 100 bytes round-trip through PAX headers', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  const deep = `${'nested-folder-name/'.repeat(8)}a-file-with-a-long-name-ünïcödé.txt`;
  assert.ok(Buffer.byteLength(deep) > 150);
  await writeTree(join(dir.path, 'tree'), { [deep]: 'deep content\n', 'short.txt': 'short', 'link-to-deep': { symlink: deep } });
  await writeTar(join(dir.path, 'tree'), [deep, 'short.txt', 'link-to-deep'], join(dir.path, 'a.tar'));

  const listed = await listTar(join(dir.path, 'a.tar'));
  assert.ok(listed.some((e) => e.path === deep && e.size === 13));
  assert.equal(listed.find((e) => e.path === 'link-to-deep')?.linkTarget, deep);

  await extractTar(join(dir.path, 'a.tar'), join(dir.path, 'out'));
  assert.equal(await readFile(join(dir.path, 'out', deep), 'utf8'), 'deep content\n');
  assert.equal(await readlink(join(dir.path, 'out', 'link-to-deep')), deep);
  assert.equal(await readFile(join(dir.path, 'out', 'link-to-deep'), 'utf8'), 'deep content\n');
});

test('extraction restores files, folders, symlinks and normalised modes', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(join(dir.path, 'tree'), { 'bin/run': { content: '#!/bin/sh\n', mode: 0o777 }, 'a.txt': { content: 'a', mode: 0o666 }, 'l': { symlink: 'bin' } });
  await writeTar(join(dir.path, 'tree'), ['bin/run', 'a.txt', 'l'], join(dir.path, 'a.tar'));
  await extractTar(join(dir.path, 'a.tar'), join(dir.path, 'out'));
  assert.equal((await lstat(join(dir.path, 'out', 'bin/run'))).mode & 0o7777, 0o755);
  assert.equal((await lstat(join(dir.path, 'out', 'a.txt'))).mode & 0o7777, 0o644);
  assert.equal((await lstat(join(dir.path, 'out', 'bin'))).mode & 0o7777, 0o755);
  assert.equal(await readlink(join(dir.path, 'out', 'l')), 'bin');
});

test('extraction refuses entries that would land outside the folder', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['dot-dot', craft([{ path: 'ok.txt', content: 'ok' }, { path: '../evil', content: 'evil' }]), /\.\.\/evil climbs out/],
    ['nested dot-dot', craft([{ path: 'a/../../evil', content: 'evil' }]), /climbs out/],
    ['absolute', craft([{ path: join(dir.path, 'evil'), content: 'evil' }]), /is absolute/],
    ['symlink escape', craft([{ path: 'link', type: 'symlink', linkTarget: '../..' }]), /link points to \.\.\/\.\., outside/],
    ['write through symlink', craft([{ path: 'link', type: 'symlink', linkTarget: '.' }, { path: 'link/../evil', content: 'x' }]), /climbs out/],
    ['file under symlink', craft([{ path: 'dir', type: 'symlink', linkTarget: 'real' }, { path: 'real/', type: 'directory' }, { path: 'dir/evil', content: 'x' }]), /through the symlink dir/],
    ['chained links', craft([{ path: 'here', type: 'symlink', linkTarget: '.' }, { path: 'sub/up', type: 'symlink', linkTarget: '../here/..' }]), /outside the extraction folder/],
    ['hard link', craft([{ path: 'hard', typeFlag: '1', linkTarget: '/etc/passwd' }]), /hard link/],
    ['device', craft([{ path: 'dev', typeFlag: '3' }]), /type "3"/],
  ];
  for (const [name, archive, message] of cases) {
    const archivePath = join(dir.path, `${name}.tar`);
    const out = join(dir.path, 'out', name);
    await writeFile(archivePath, archive);
    await assert.rejects(extractTar(archivePath, out), (error: unknown) => error instanceof TarError && message.test(error.message), name);
  }
  assert.deepEqual((await readdir(dir.path)).filter((name) => name.startsWith('evil')), [], 'nothing was written beside the output');
  await assert.rejects(lstat(join(dir.path, 'out', 'evil')), { code: 'ENOENT' });
});

test('damaged archives are refused', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  const good = craft([{ path: 'a.txt', content: 'hello' }]);
  const badChecksum = Buffer.from(good);
  badChecksum[0] = 'b'.charCodeAt(0);
  await writeFile(join(dir.path, 'checksum.tar'), badChecksum);
  await assert.rejects(listTar(join(dir.path, 'checksum.tar')), /bad header checksum/);
  await writeFile(join(dir.path, 'truncated.tar'), good.subarray(0, 512 + 3));
  await assert.rejects(extractTar(join(dir.path, 'truncated.tar'), join(dir.path, 'out')), /ends in the middle of a\.txt|truncated/);
  await writeFile(join(dir.path, 'no-end.tar'), good.subarray(0, 1024));
  await assert.rejects(listTar(join(dir.path, 'no-end.tar')), /without an end-of-archive marker/);
});
