import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '@berth/core';
import { tempDir } from '@berth/testkit';
import { writeTree } from '../test-support/tree-fixture.js';
import { collectSource } from './collect-source.js';

const NO_LIMIT = { maxBytes: Number.MAX_SAFE_INTEGER };

async function collectPaths(tree: Parameters<typeof writeTree>[1]): Promise<string[]> {
  const dir = await tempDir();
  try {
    await writeTree(dir.path, tree);
    return (await collectSource(dir.path, NO_LIMIT)).map((file) => file.path);
  } finally {
    await dir.remove();
  }
}

test('.git is always left out; node_modules is kept unless ignored', async () => {
  assert.deepEqual(
    await collectPaths({ '.git/HEAD': 'ref', 'sub/.git': 'gitdir: ../.git/modules/sub', 'node_modules/x/index.js': 'x', 'app.js': 'a' }),
    ['app.js', 'node_modules/x/index.js'],
  );
  assert.deepEqual(await collectPaths({ '.gitignore': 'node_modules/\n', 'node_modules/x/index.js': 'x', 'app.js': 'a' }), ['.gitignore', 'app.js']);
});

test('the root .gitignore is honoured, with negation and folder-only patterns', async () => {
  const paths = await collectPaths({
    '.gitignore': '*.log\n!keep.log\nbuild/\n/secret.txt\n',
    'a.log': 'x', 'keep.log': 'x', 'sub/b.log': 'x',
    'build/out.js': 'x', 'sub/build/out.js': 'x', 'build.txt': 'x',
    'secret.txt': 'x', 'sub/secret.txt': 'x',
  });
  assert.deepEqual(paths, ['.gitignore', 'build.txt', 'keep.log', 'sub/secret.txt']);
});

test('nested .gitignore files apply from their own folder and override their parents', async () => {
  const paths = await collectPaths({
    '.gitignore': '*.tmp\n',
    'web/.gitignore': '!*.tmp\ndist\n',
    'web/a.tmp': 'x', 'b.tmp': 'x', 'api/c.tmp': 'x',
    'web/dist/app.js': 'x', 'dist/app.js': 'x',
  });
  assert.deepEqual(paths, ['.gitignore', 'dist/app.js', 'web/.gitignore', 'web/a.tmp']);
});

test('the root .berthignore has the last word, over every .gitignore', async () => {
  const paths = await collectPaths({
    '.gitignore': 'dist/\n',
    '.berthignore': '!dist/\ntests/\n*.md\n',
    'dist/app.js': 'x', 'tests/a.test.js': 'x', 'README.md': 'x', 'docs/guide.md': 'x', 'src/app.ts': 'x',
  });
  assert.deepEqual(paths, ['.berthignore', '.gitignore', 'dist/app.js', 'src/app.ts']);
});

test('rules of a layer still apply inside a folder that a later layer re-included', async () => {
  const paths = await collectPaths({
    '.gitignore': 'dist/\n*.map\nbuild/\n',
    '.berthignore': '!dist/\n',
    'web/.gitignore': '!build/\n',
    'web/build/.gitignore': '',
    'dist/app.js': 'x', 'dist/app.js.map': 'x', 'dist/[x] y/a.js': 'x', 'dist/[x] y/a.js.map': 'x',
    'web/build/out.js': 'x', 'build/root.js': 'x',
    '.git/info/exclude': 'x',
  });
  assert.deepEqual(paths, ['.berthignore', '.gitignore', 'dist/[x] y/a.js', 'dist/app.js', 'web/.gitignore', 'web/build/.gitignore', 'web/build/out.js']);
});

test('files are sorted by path bytes and described', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(dir.path, { 'b': 'bb', 'a-c': 'x', 'a/b': 'x', 'Z': 'x', 'é': 'x', 'run': { content: '#!', mode: 0o750 }, 'link': { symlink: 'b' } });
  const files = await collectSource(dir.path, NO_LIMIT);
  assert.deepEqual(files.map((f) => f.path), ['Z', 'a-c', 'a/b', 'b', 'link', 'run', 'é']);
  assert.deepEqual(files.find((f) => f.path === 'b'), { path: 'b', kind: 'file', size: 2, executable: false });
  assert.deepEqual(files.find((f) => f.path === 'run'), { path: 'run', kind: 'file', size: 2, executable: true });
  assert.deepEqual(files.find((f) => f.path === 'link'), { path: 'link', kind: 'symlink', size: 0, executable: false });
});

test('a source over maxBytes is refused with the limit and the size', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(dir.path, { 'a.bin': Buffer.alloc(3000), 'b.bin': Buffer.alloc(2000), 'ignored.bin': Buffer.alloc(100_000), '.berthignore': 'ignored.bin\n' });
  assert.equal((await collectSource(dir.path, { maxBytes: 5100 })).length, 3);
  await assert.rejects(collectSource(dir.path, { maxBytes: 4096 }), (error: unknown) => {
    assert.ok(isBerthError(error));
    assert.equal(error.code, 'source_too_large');
    assert.match(error.message, /4\.9 KiB \(5012 bytes\), over the limit of 4\.0 KiB \(4096 bytes\)/);
    assert.deepEqual(error.details, { sizeBytes: 5012, maxBytes: 4096 });
    return true;
  });
});
