import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isBerthError } from '@berth/core';
import { tempDir } from '@berth/testkit';
import { ArtifactStore } from '../artifact-store/artifact-store.js';
import { listTar } from '../tar/tar-reader.js';
import { writeTree, type FixtureNode } from '../test-support/tree-fixture.js';
import { checkReproducible } from './check-reproducible.js';
import { packageArtifact } from './package-artifact.js';

const BUILT: Record<string, FixtureNode> = {
  '.gitignore': 'dist/\nnode_modules/\n',
  '.git/HEAD': 'ref: refs/heads/main\n',
  'src/app.ts': 'export {}\n',
  'dist/server.js': 'console.log("up")\n',
  'dist/client/app.1a2b.js': 'run()\n',
  'dist/client/style.css': 'a{}\n',
  'node_modules/dep/index.js': 'module.exports = 1\n',
  'bin/start': { content: '#!/bin/sh\nnode dist/server.js\n', mode: 0o755 },
};
const ASSETS = { assets: { dir: 'dist/client', prefix: '/assets/', immutable: true } };
const sha = (content: string) => `sha256:${createHash('sha256').update(content).digest('hex')}`;

async function workspace(t: { after: (fn: () => Promise<void>) => void }, tree: Record<string, FixtureNode> = BUILT) {
  const root = await tempDir();
  t.after(root.remove);
  const treeDir = join(root.path, 'tree');
  const scratchDir = join(root.path, 'scratch');
  await mkdir(scratchDir);
  await writeTree(treeDir, tree);
  return { root: root.path, treeDir, scratchDir, store: new ArtifactStore(join(root.path, 'store')) };
}

test('the artifact holds every built file, gitignored outputs included, and never .git', async (t) => {
  const ws = await workspace(t);
  await mkdir(join(ws.treeDir, 'uploads'));
  const packaged = await packageArtifact({ treeDir: ws.treeDir, manifest: {}, store: ws.store, scratchDir: ws.scratchDir });
  assert.match(packaged.digest, /^sha256:[0-9a-f]{64}$/);
  const paths = (await listTar(ws.store.path(packaged.digest))).map((entry) => entry.path);
  assert.deepEqual(paths, [
    '.gitignore', 'bin/', 'bin/start', 'dist/', 'dist/client/', 'dist/client/app.1a2b.js', 'dist/client/style.css', 'dist/server.js',
    'node_modules/', 'node_modules/dep/', 'node_modules/dep/index.js', 'src/', 'src/app.ts', 'uploads/',
  ]);
  assert.equal(packaged.entries, paths.length);
  assert.deepEqual(packaged.assetManifest, [], 'no [assets], no asset manifest');
  assert.deepEqual(await readdir(ws.scratchDir), [], 'the temp archive is removed');
  await ws.store.verify(packaged.digest);
});

test('the same tree gives the same digest, wherever it is and whatever its mtimes', async (t) => {
  const first = await workspace(t);
  const second = await workspace(t);
  await writeFile(join(second.treeDir, 'dist/server.js'), 'console.log("up")\n');
  const a = await packageArtifact({ treeDir: first.treeDir, manifest: ASSETS, store: first.store, scratchDir: first.scratchDir });
  const b = await packageArtifact({ treeDir: second.treeDir, manifest: ASSETS, store: second.store, scratchDir: second.scratchDir });
  assert.equal(a.digest, b.digest);
  assert.equal(a.size, b.size);
  assert.deepEqual(a.assetManifest, b.assetManifest);
});

test('the asset manifest lists [assets] dir under its prefix; a missing assets folder is refused', async (t) => {
  const ws = await workspace(t);
  const packaged = await packageArtifact({ treeDir: ws.treeDir, manifest: ASSETS, store: ws.store, scratchDir: ws.scratchDir });
  assert.deepEqual(packaged.assetManifest, [
    { path: '/assets/app.1a2b.js', file: 'dist/client/app.1a2b.js', digest: sha('run()\n'), size: 6, contentType: 'text/javascript; charset=utf-8' },
    { path: '/assets/style.css', file: 'dist/client/style.css', digest: sha('a{}\n'), size: 4, contentType: 'text/css; charset=utf-8' },
  ]);
  const missing = { assets: { dir: 'public', prefix: '/', immutable: true } };
  await assert.rejects(packageArtifact({ treeDir: ws.treeDir, manifest: missing, store: ws.store, scratchDir: ws.scratchDir }), (error: unknown) =>
    isBerthError(error) && error.code === 'invalid_manifest' && /\[assets\] dir "public" is not a folder of the built tree/.test(error.message));
});

test('a second identical build is reproducible; a different one names the files that differ', async (t) => {
  const ws = await workspace(t);
  const first = await packageArtifact({ treeDir: ws.treeDir, manifest: ASSETS, store: ws.store, scratchDir: ws.scratchDir });
  const again = await workspace(t);
  const same = await checkReproducible({ store: ws.store, firstDigest: first.digest, treeDir: again.treeDir, scratchDir: ws.scratchDir });
  assert.deepEqual(same, { reproducible: true, firstDigest: first.digest, secondDigest: first.digest, changed: [], changedCount: 0 });

  await writeFile(join(again.treeDir, 'dist/server.js'), `console.log("built at ${Date.now()}")\n`);
  await writeFile(join(again.treeDir, 'dist/extra.js'), 'x\n');
  const different = await checkReproducible({ store: ws.store, firstDigest: first.digest, treeDir: again.treeDir, scratchDir: ws.scratchDir });
  assert.equal(different.reproducible, false);
  assert.notEqual(different.secondDigest, first.digest);
  assert.deepEqual(different.changed, ['dist/extra.js', 'dist/server.js']);
  assert.equal(await ws.store.has(different.secondDigest), false, 'the second archive is not stored');
  assert.deepEqual(await readdir(ws.scratchDir), []);
});
