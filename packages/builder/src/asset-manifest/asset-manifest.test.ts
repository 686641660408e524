import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tempDir } from '@berth/testkit';
import { writeTree } from '../test-support/tree-fixture.js';
import { buildAssetManifest } from './asset-manifest.js';
import { contentTypeFor } from './content-types.js';

const sha = (content: string) => `sha256:${createHash('sha256').update(content).digest('hex')}`;

test('every file under the assets folder is listed with its URL, digest, size and type, sorted by URL', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(dir.path, {
    'public/index.html': '<h1>hi</h1>',
    'public/assets/app.3f2a.js': 'console.log(1)',
    'public/assets/app.3f2a.js.map': '{}',
    'public/assets/Logo.PNG': 'png-bytes',
    'public/fonts/inter.woff2': 'font',
    'public/data.bin': 'bytes',
    'public/link.js': { symlink: 'assets/app.3f2a.js' },
    'server.js': 'not an asset',
  });
  const manifest = await buildAssetManifest(dir.path, 'public', '/static/');
  assert.deepEqual(manifest, [
    { path: '/static/assets/Logo.PNG', file: 'public/assets/Logo.PNG', digest: sha('png-bytes'), size: 9, contentType: 'image/png' },
    { path: '/static/assets/app.3f2a.js', file: 'public/assets/app.3f2a.js', digest: sha('console.log(1)'), size: 14, contentType: 'text/javascript; charset=utf-8' },
    { path: '/static/assets/app.3f2a.js.map', file: 'public/assets/app.3f2a.js.map', digest: sha('{}'), size: 2, contentType: 'application/json; charset=utf-8' },
    { path: '/static/data.bin', file: 'public/data.bin', digest: sha('bytes'), size: 5, contentType: 'application/octet-stream' },
    { path: '/static/fonts/inter.woff2', file: 'public/fonts/inter.woff2', digest: sha('font'), size: 4, contentType: 'font/woff2' },
    { path: '/static/index.html', file: 'public/index.html', digest: sha('<h1>hi</h1>'), size: 11, contentType: 'text/html; charset=utf-8' },
  ]);
});

test('the prefix is normalised and a nested assets folder keeps its path inside the artifact', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(dir.path, { 'dist/client/a.css': 'a{}' });
  for (const prefix of ['assets', '/assets', '/assets/', 'assets/']) {
    const [entry] = await buildAssetManifest(dir.path, 'dist/client/', prefix);
    assert.equal(entry?.path, '/assets/a.css', prefix);
    assert.equal(entry?.file, 'dist/client/a.css', prefix);
  }
  for (const prefix of ['', '/']) {
    assert.equal((await buildAssetManifest(dir.path, 'dist/client', prefix))[0]?.path, '/a.css');
  }
  assert.equal((await buildAssetManifest(join(dir.path, 'dist'), '.', '/'))[0]?.file, 'client/a.css');
});

test('an assets folder outside the tree is refused', async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await assert.rejects(buildAssetManifest(dir.path, '../elsewhere', '/'), /climbs out/);
  await assert.rejects(buildAssetManifest(dir.path, '/etc', '/'), /absolute/);
  await writeTree(dir.path, { 'public': { symlink: '/etc' }, 'real/a.css': 'a', 'web/static': { symlink: '../real' } });
  await assert.rejects(buildAssetManifest(dir.path, 'public', '/'), /public is, or is reached through, a symlink/);
  await assert.rejects(buildAssetManifest(dir.path, 'web/static', '/'), /symlink/);
});

test('content types come from the built-in table, text types with a charset', () => {
  const expected: Record<string, string> = {
    'a.html': 'text/html; charset=utf-8', 'a.css': 'text/css; charset=utf-8', 'a.js': 'text/javascript; charset=utf-8',
    'a.mjs': 'text/javascript; charset=utf-8', 'a.json': 'application/json; charset=utf-8', 'a.svg': 'image/svg+xml; charset=utf-8',
    'a.png': 'image/png', 'a.jpg': 'image/jpeg', 'a.JPEG': 'image/jpeg', 'a.gif': 'image/gif', 'a.webp': 'image/webp',
    'a.avif': 'image/avif', 'favicon.ico': 'image/x-icon', 'a.woff': 'font/woff', 'a.woff2': 'font/woff2', 'a.ttf': 'font/ttf',
    'robots.txt': 'text/plain; charset=utf-8', 'a.js.map': 'application/json; charset=utf-8', 'a.wasm': 'application/wasm',
    'sitemap.xml': 'application/xml; charset=utf-8', 'a.pdf': 'application/pdf',
    'Makefile': 'application/octet-stream', 'a.exe': 'application/octet-stream', 'a.constructor': 'application/octet-stream',
  };
  for (const [name, type] of Object.entries(expected)) assert.equal(contentTypeFor(name), type, name);
});
