import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assetManifestChecksum, type RoutePolicy } from '@berth/core';
import { startBackend, type Backend } from '../test-support/backends.js';
import { send, sendRaw } from '../test-support/client.js';
import { startControlPlaneStandIn, type ControlPlaneStandIn } from '../test-support/control-plane-stand-in.js';
import { startFeedEdge, type FeedEdge } from '../test-support/feed-edge.js';
import { routeEntry, signedSnapshot, targetEntry, testSigningKey } from '../test-support/feed-documents.js';
import type { AssetManifestEntry } from './asset-manifest.js';

// An artifact with [assets] under /static/, served by the edge from what it fetched (once) from a
// stand-in control plane. The app stand-in must never see a request for a file of the manifest.
const digest = `sha256:${'cd'.repeat(32)}`;
const css = Buffer.from('body { color: rebeccapurple; }\n');
const big = Buffer.alloc(5 * 1024 * 1024 + 3, 7).fill(9, 1_000_000);
const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const files: Record<string, Buffer> = { '/static/app.css': css, '/static/big.bin': big, '/static/a b.js': Buffer.from('x()'), '/static/bad.js': Buffer.from('good()') };
const manifest: AssetManifestEntry[] = Object.entries(files).map(([path, bytes]) => ({
  path, file: `public${path.slice(7)}`, digest: sha(bytes), size: bytes.length, contentType: path.endsWith('.css') ? 'text/css; charset=utf-8' : 'application/octet-stream',
}));
const assets = (immutable: boolean, checksum = assetManifestChecksum(manifest)): Partial<RoutePolicy> => ({ assets: { prefix: '/static', immutable, count: manifest.length, checksum } });

let app: Backend;
let cp: ControlPlaneStandIn;
let edge: FeedEdge;

before(async () => {
  app = await startBackend('app');
  const key = testSigningKey();
  cp = await startControlPlaneStandIn(key, signedSnapshot(key, 1, [
    // Zero targets: the app is asleep (or has no process); its assets are served all the same.
    routeEntry('a.test', 'env_a', 'dep_a', 1, assets(true), digest),
    routeEntry('m.test', 'env_m', 'dep_m', 1, assets(false), digest),
    routeEntry('only.test', 'env_o', 'dep_o', 1, { ...assets(true), hasProcess: false }, digest),
    routeEntry('lying.test', 'env_l', 'dep_l', 1, assets(true, `sha256:${'00'.repeat(32)}`), `sha256:${'ef'.repeat(32)}`),
  ], [targetEntry(app, 'env_m', 'dep_m')]));
  cp.manifests.set(digest, manifest);
  cp.manifests.set(`sha256:${'ef'.repeat(32)}`, manifest);
  for (const [path, bytes] of Object.entries(files)) cp.files.set(`${digest} ${path}`, path === '/static/bad.js' ? Buffer.from('evil()') : bytes);
  edge = await startFeedEdge(cp);
  await edge.ready();
});
after(async () => {
  await edge.close();
  await cp.close();
  await app.close();
});

const etagOf = (path: string) => `"${sha(files[path]!).slice(7)}"`;

test('a file of the manifest is served by the edge with immutable caching, while the route has no ready target and the app sees nothing', async () => {
  const reply = await send(edge.port, { host: 'a.test', path: '/static/app.css?v=3' });
  assert.equal(reply.status, 200);
  assert.equal(reply.text, css.toString());
  assert.equal(reply.headers['content-type'], 'text/css; charset=utf-8');
  assert.equal(reply.headers['content-length'], String(css.length));
  assert.equal(reply.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(reply.headers.etag, etagOf('/static/app.css'));
  assert.equal(reply.headers['accept-ranges'], 'bytes');
  assert.equal((await send(edge.port, { host: 'a.test', path: '/static/a%20b.js' })).text, 'x()', 'a percent-encoded path names the decoded manifest path');
  const revalidated = await send(edge.port, { host: 'm.test', path: '/static/app.css' });
  assert.equal(revalidated.headers['cache-control'], 'no-cache', 'immutable = false: clients revalidate by ETag');
  assert.equal(app.count(), 0);
});

test('If-None-Match answers 304; HEAD answers headers only; other methods 405', async () => {
  const etag = etagOf('/static/app.css');
  for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const reply = await send(edge.port, { host: 'a.test', path: '/static/app.css', headers: { 'if-none-match': header } });
    assert.equal(reply.status, 304, header);
    assert.equal(reply.text, '');
    assert.equal(reply.headers.etag, etag);
  }
  assert.equal((await send(edge.port, { host: 'a.test', path: '/static/app.css', headers: { 'if-none-match': '"stale"' } })).status, 200);
  const head = await sendRaw(edge.port, 'HEAD /static/app.css HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 200/);
  assert.match(head, new RegExp(`Content-Length: ${css.length}\r\n`, 'i'));
  assert.ok(head.endsWith('\r\n\r\n'), 'no body after the head');
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const reply = await send(edge.port, { host: 'a.test', method, path: '/static/app.css', body: method === 'DELETE' ? undefined : 'x' });
    assert.equal(reply.status, 405);
    assert.equal(reply.headers.allow, 'GET, HEAD');
    assert.equal(reply.json<{ error: { code: string } }>().error.code, 'asset_method_not_allowed');
  }
  assert.equal(app.count(), 0);
});

test('one byte range gets 206 with Content-Range; an unsatisfiable one 416; several, the whole file', async () => {
  const range = async (header: string, path = '/static/app.css') => send(edge.port, { host: 'a.test', path, headers: { range: header } });
  const first = await range('bytes=0-3');
  assert.deepEqual([first.status, first.text, first.headers['content-range'], first.headers['content-length']], [206, 'body', `bytes 0-3/${css.length}`, '4']);
  const suffix = await range('bytes=-3');
  assert.deepEqual([suffix.status, suffix.text, suffix.headers['content-range']], [206, '; }\n'.slice(-3), `bytes ${css.length - 3}-${css.length - 1}/${css.length}`]);
  const open = await range('bytes=5-');
  assert.deepEqual([open.status, open.text], [206, css.subarray(5).toString()]);
  const past = await range(`bytes=${css.length}-`);
  assert.equal(past.status, 416);
  assert.equal(past.headers['content-range'], `bytes */${css.length}`);
  assert.equal(past.json<{ error: { code: string } }>().error.code, 'range_not_satisfiable');
  assert.equal((await range('bytes=0-1,4-5')).status, 200);
  const stale = await send(edge.port, { host: 'a.test', path: '/static/app.css', headers: { range: 'bytes=0-3', 'if-range': '"old"' } });
  assert.equal(stale.status, 200, 'If-Range with another ETag: the whole file');

  // A file larger than what is held in memory is streamed from the disk cache, ranges included.
  const whole = await send(edge.port, { host: 'a.test', path: '/static/big.bin' });
  assert.equal(whole.status, 200);
  assert.equal(sha(Buffer.from(whole.text, 'latin1')), sha(big));
  const middle = await range('bytes=999998-1000001', '/static/big.bin');
  assert.equal(middle.status, 206);
  assert.deepEqual([...Buffer.from(middle.text, 'latin1')], [7, 7, 9, 9]);
  assert.equal(app.count(), 0);
});

test('a path under the prefix that is not in the manifest goes to the app, or 404 when there is no process', async () => {
  const before = app.count();
  const proxied = await send(edge.port, { host: 'm.test', path: '/static/missing.css' });
  assert.equal(proxied.headers['x-backend'], 'app');
  assert.equal(app.count(), before + 1);
  assert.equal((await send(edge.port, { host: 'a.test', path: '/static/missing.css' })).json<{ error: { code: string } }>().error.code, 'no_ready_target');
  const none = await send(edge.port, { host: 'only.test', path: '/static/missing.css' });
  assert.equal(none.status, 404);
  assert.equal(none.json<{ error: { code: string } }>().error.code, 'asset_not_found');
  assert.equal((await send(edge.port, { host: 'only.test', path: '/static/app.css' })).status, 200);
});

test('bytes that do not match the manifest, or a manifest that does not match the route\'s checksum, are never served', async () => {
  const bad = await send(edge.port, { host: 'a.test', path: '/static/bad.js' });
  assert.equal(bad.status, 503);
  assert.equal(bad.json<{ error: { code: string } }>().error.code, 'asset_unavailable');
  const lying = await send(edge.port, { host: 'lying.test', path: '/static/app.css' });
  assert.equal(lying.status, 503);
  assert.equal(lying.json<{ error: { code: string } }>().error.code, 'asset_unavailable');
  assert.ok(edge.lines.some((line) => /checksum/.test(line)), edge.lines.join('\n'));
});

test('each manifest and each file is fetched once, and survives a restart with the control plane down', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await send(edge.port, { host: 'a.test', path: '/static/app.css' })).status, 200);
  assert.equal(cp.assetRequests.filter((r) => r === `${digest} manifest`).length, 1);
  assert.equal(cp.assetRequests.filter((r) => r === `${digest} /static/app.css`).length, 1);
  await edge.close();
  await cp.close();
  edge = await startFeedEdge(cp, { dataDir: edge.dataDir });
  const reply = await send(edge.port, { host: 'a.test', path: '/static/app.css' });
  assert.equal(reply.status, 200);
  assert.equal(reply.text, css.toString());
  assert.deepEqual(app.seen.map((seen) => seen.url), ['/static/missing.css'], 'the app only ever saw the one path outside the manifest');
});
