import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packageArtifact, type AssetManifestEntry } from '@berth/builder';
import { tempDir } from '@berth/testkit';
import { startTestControlPlane, storeBackends, type TestControlPlane } from '../testing/index.js';
import { seedApp, seedDeployment } from '../route-feed/feed-fixtures.js';

const appJs = Buffer.from('console.log("hello from the artifact");\n');
const logo = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255]);

for (const { backend, skip } of await storeBackends()) {
  describe(`asset manifests and asset files for edges (${backend})`, { skip }, () => {
    let t: TestControlPlane;
    let token: string;
    let digest: string;
    let manifest: AssetManifestEntry[];
    let tamperedDigest: string;

    before(async () => {
      t = await startTestControlPlane({ backend });
      const joinToken = await t.cp.createJoinToken('edges', 60_000);
      token = (await t.call('POST', '/api/edges/register', { token: null, body: { joinToken, name: 'asset-edge', transport: 'embedded', version: '1' } })).body.token;
      // A real artifact, packed and stored by the builder, with an asset manifest of two files.
      const tree = await tempDir('berth-asset-tree-');
      const scratch = await tempDir('berth-asset-scratch-');
      await mkdir(join(tree.path, 'public', 'img'), { recursive: true });
      await writeFile(join(tree.path, 'server.js'), 'require("http")');
      await writeFile(join(tree.path, 'public', 'app.js'), appJs);
      await writeFile(join(tree.path, 'public', 'img', 'logo.png'), logo);
      const packaged = await packageArtifact({ treeDir: tree.path, manifest: { assets: { dir: 'public', prefix: '/assets/', immutable: true } }, store: t.cp.artifacts, scratchDir: scratch.path });
      digest = packaged.digest;
      manifest = packaged.assetManifest;
      const app = await seedApp(t.cp.db);
      await seedDeployment(t.cp.db, app, { digest, assetManifest: manifest });
      // Another artifact whose recorded manifest does not match its bytes.
      await writeFile(join(tree.path, 'public', 'app.js'), 'changed');
      const other = await packageArtifact({ treeDir: tree.path, manifest: { assets: { dir: 'public', prefix: '/assets/', immutable: true } }, store: t.cp.artifacts, scratchDir: scratch.path });
      tamperedDigest = other.digest;
      await seedDeployment(t.cp.db, app, { digest: tamperedDigest, assetManifest: other.assetManifest.map((e) => (e.path === '/assets/app.js' ? { ...e, digest: `sha256:${'0'.repeat(64)}` } : e)) });
      await tree.remove();
      await scratch.remove();
    });
    after(async () => t?.close());

    test('the asset manifest of a digest is the one stored on its deployment; an unknown digest is 404', async () => {
      const res = await t.call('GET', `/api/edges/artifacts/${digest}/asset-manifest`, { token });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, JSON.parse(JSON.stringify(manifest)));
      assert.deepEqual(res.body.map((e: AssetManifestEntry) => e.path), ['/assets/app.js', '/assets/img/logo.png']);
      const unknown = await t.call('GET', `/api/edges/artifacts/sha256:${'1'.repeat(64)}/asset-manifest`, { token });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'artifact_not_found');
      assert.equal((await t.call('GET', '/api/edges/artifacts/not-a-digest/asset-manifest', { token })).status, 400);
      assert.equal((await t.call('GET', `/api/edges/artifacts/${digest}/asset-manifest`, { token: null })).status, 401);
    });

    test('asset files are served with the bytes the manifest names, verified; an unknown path or digest is 404', async () => {
      const base = await t.cp.listen('127.0.0.1', 0);
      const get = (path: string, auth = true) => fetch(`${base}/api/edges/artifacts/${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
      // The digest as an edge sends it: percent-encoded.
      const served = await Promise.all([get(`${encodeURIComponent(digest)}/assets/assets/app.js`), get(`${digest}/assets/assets/img/logo.png`)]);
      const [js, png] = served;
      assert.equal(js!.status, 200);
      assert.deepEqual(Buffer.from(await js!.arrayBuffer()), appJs);
      assert.match(js!.headers.get('content-type')!, /javascript/);
      assert.equal(js!.headers.get('x-berth-digest'), `sha256:${createHash('sha256').update(appJs).digest('hex')}`);
      assert.equal(png!.status, 200);
      assert.deepEqual(Buffer.from(await png!.arrayBuffer()), logo);
      assert.equal(Number(png!.headers.get('content-length')), logo.length);
      // Unpacked once, into a folder named by the digest; nothing else is left behind.
      assert.deepEqual(await readdir(join(t.dataDir, 'asset-cache')), [digest.slice('sha256:'.length)]);
      assert.deepEqual((await readdir(join(t.dataDir, 'asset-cache', digest.slice('sha256:'.length), 'public'))).sort(), ['app.js', 'img']);

      const missing = await get(`${digest}/assets/assets/nope.js`);
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not_found');
      const server = await get(`${digest}/assets/server.js`);
      assert.equal(server.status, 404, 'a file of the artifact outside the asset manifest is not served');
      assert.equal((await get(`sha256:${'2'.repeat(64)}/assets/assets/app.js`)).status, 404);
      assert.equal((await get(`${digest}/assets/assets/app.js`, false)).status, 401);
    });

    test('an asset whose bytes do not match the manifest is refused and nothing is cached', async () => {
      const res = await t.call('GET', `/api/edges/artifacts/${tamperedDigest}/assets/assets/app.js`, { token });
      assert.equal(res.status, 500);
      assert.equal(res.body.error.code, 'artifact_digest_mismatch');
      assert.ok(!(await readdir(join(t.dataDir, 'asset-cache'))).some((name) => name.includes(tamperedDigest.slice('sha256:'.length, 'sha256:'.length + 16))));
    });
  });
}
