import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { copyExample, deployFolder, waitForDeployment } from '@berth/control-plane/testing';
import { eventually, tempDir } from '@berth/testkit';
import { startEdgeProcess, viaEdge, type EdgeProcess } from './edge-harness.js';
import { startWithOneRunner } from './runner-harness.js';

const natsUrl = process.env.BERTH_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * The edge against a real control plane, a real runner and real NATS JetStream, with the faults of
 * issue 5: a hole in the JetStream stream (the edge applies nothing past it, fetches a fresh signed
 * snapshot, resumes, and the control plane records the incident), an edge that does not acknowledge
 * a promotion (it rolls back and the old owner still serves), and assets served while the app is
 * stopped (the app sees no request, nothing wakes).
 */
describe('the route feed under faults, on real processes', () => {
  const suffix = `${process.pid}_${Date.now().toString(36)}`.toUpperCase();
  const stream = `BERTH_TEST_FAULTS_${suffix}`;
  const subject = `berth.test.faults.${suffix.toLowerCase()}`;
  let env: Awaited<ReturnType<typeof startWithOneRunner>>;
  let api: string;
  let edge: EdgeProcess;
  let edgeDir: { path: string; remove(): Promise<void> };
  let app: { path: string; remove(): Promise<void> };
  let nc: NatsConnection;
  const host = 'walk.localhost';

  const startEdge = async () => startEdgeProcess({
    api, join: await env.t.cp.createJoinToken('edge', 60_000), name: 'e1', dataDir: edgeDir.path, routeKey: env.t.cp.routeFeed.publicKeyText,
    extra: ['--nats-url', natsUrl, '--nats-stream', stream, '--nats-subject', subject],
  });
  const call = (method: string, url: string, body?: unknown) => env.t.call(method, url, body === undefined ? {} : { body });
  const lastSeq = async () => (await call('GET', '/api/route-feed')).body.lastSeq as number;
  const edgeRecord = async () => (await call('GET', '/api/edges/e1')).body;
  const promote = async (deploymentId: string) => {
    const started = await call('POST', `/api/deployments/${deploymentId}/promote`, {});
    assert.equal(started.status, 202, JSON.stringify(started.body));
    return eventually(async () => {
      const p = (await call('GET', `/api/promotions/${started.body.id}`)).body;
      return ['healthy', 'rolled_back', 'failed'].includes(p.state) ? p : undefined;
    }, { timeoutMs: 90_000, message: 'the promotion ended' });
  };
  const deployVersion = async (version: string) => {
    writeFileSync(join(app.path, 'VERSION'), version);
    const d = await deployFolder(env.t, 'walk', app.path);
    assert.equal(d.status, 201, JSON.stringify(d.body));
    return waitForDeployment(env.t, d.body.id, ['preview_ready'], 120_000);
  };
  const readyAllocations = async () => (await call('GET', '/api/apps/walk/allocations?env=production')).body.items.filter((a: { state: string }) => a.state === 'ready').length;

  before(async () => {
    env = await startWithOneRunner({ natsUrl, natsStream: stream, natsSubject: subject, propagationDeadlineMs: 4000, baseDomain: 'localhost' });
    api = env.api;
    nc = await connect({ servers: natsUrl });
    edgeDir = await tempDir('berth-edge-');
    edge = await startEdge();
    // hello-node that says its VERSION, logs every request it gets, and has assets the edge serves.
    app = await copyExample('hello-node');
    const server = readFileSync(join(app.path, 'server.js'), 'utf8')
      .replace("const version = process.env.HELLO_VERSION ?? 'v1';", "const version = (await import('node:fs')).readFileSync(new URL('./VERSION', import.meta.url), 'utf8').trim();")
      .replace('createServer((req, res) => {', 'createServer((req, res) => {\n  console.log(`request ${req.method} ${req.url}`);')
      .replace("process.env.BERTH_DEPLOYMENT_ID ?? 'local'", 'process.env.BERTH_ALLOCATION_ID');
    writeFileSync(join(app.path, 'server.js'), server);
    writeFileSync(join(app.path, 'berth.toml'), `${readFileSync(join(app.path, 'berth.toml'), 'utf8')}\n[assets]\ndir = "public"\nprefix = "/assets/"\n`);
    mkdirSync(join(app.path, 'public'));
    writeFileSync(join(app.path, 'public', 'app.css'), 'body { color: teal }\n'.repeat(50));
    assert.equal((await call('POST', '/api/apps', { name: 'walk' })).status, 201);
  });
  after(async () => {
    await edge?.kill('SIGKILL');
    await env?.dispose();
    const jsm = await nc?.jetstreamManager();
    await jsm?.streams.delete(stream).catch(() => {});
    await nc?.close();
    await edgeDir?.remove();
    await app?.remove();
  });

  let v1: { id: string; digest: string };

  test('promote v1 over JetStream: the edge serves it, and serves its assets with immutable caching', async () => {
    v1 = await deployVersion('v1');
    const p = await promote(v1.id);
    assert.equal(p.state, 'healthy', JSON.stringify(p));
    await eventually(async () => ((await viaEdge(edge.port, host)).body.startsWith('hello from v1') ? true : undefined), { timeoutMs: 30_000, message: 'production serves v1' });
    const asset = await viaEdge(edge.port, host, '/assets/app.css');
    assert.equal(asset.status, 200);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    const ranged = await viaEdge(edge.port, host, '/assets/app.css', { range: 'bytes=0-3' });
    assert.deepEqual([ranged.status, ranged.body], [206, 'body']);
    const fresh = await viaEdge(edge.port, host, '/assets/app.css', { 'if-none-match': String(asset.headers.etag) });
    assert.equal(fresh.status, 304);
  });

  test('an asset request is answered while the app is stopped; the app sees no request and nothing wakes', async () => {
    assert.equal((await call('PUT', '/api/apps/walk/environments/production/scale', { count: 0 })).status, 200);
    await eventually(async () => ((await readyAllocations()) === 0 ? true : undefined), { timeoutMs: 60_000, message: 'production stopped' });
    await eventually(async () => ((await viaEdge(edge.port, host, '/assets/app.css', { 'cache-control': 'no-cache' })).status === 200 ? true : undefined), { timeoutMs: 10_000, message: 'the asset is served' });
    for (let i = 0; i < 20; i++) assert.equal((await viaEdge(edge.port, host, '/assets/app.css')).status, 200);
    const wakes = (await call('GET', '/api/operations?kind=wake')).body.items;
    assert.equal(wakes.length, 0, 'no wake');
    const logs = (await call('GET', '/api/apps/walk/logs?env=production')).body.items.map((l: { text: string }) => l.text).join('\n');
    assert.doesNotMatch(logs, /request GET \/assets\//, 'the app never saw an asset request');
    assert.equal((await call('PUT', '/api/apps/walk/environments/production/scale', { count: 1 })).status, 200);
    await eventually(async () => ((await viaEdge(edge.port, host)).body.startsWith('hello from v1') ? true : undefined), { timeoutMs: 60_000, message: 'production serves again' });
  });

  test('a hole in the JetStream stream: the restarted edge applies nothing past it, refetches a signed snapshot, resumes, and the incident is recorded', async () => {
    await eventually(async () => ((await edgeRecord()).appliedSeq === (await lastSeq()) ? true : undefined), { timeoutMs: 20_000, message: 'the edge caught up' });
    await edge.kill('SIGTERM');
    const before = await lastSeq();
    // Two more allocations become ready: two target.up events the stopped edge has not seen.
    assert.equal((await call('PUT', '/api/apps/walk/environments/production/scale', { count: 3 })).status, 200);
    await eventually(async () => ((await readyAllocations()) === 3 && (await lastSeq()) >= before + 2 ? true : undefined), { timeoutMs: 60_000, message: 'three allocations ready' });
    const jsm = await nc.jetstreamManager();
    await eventually(async () => ((await jsm.streams.info(stream)).state.last_seq >= before + 2 ? true : undefined), { timeoutMs: 10_000, message: 'the events reached JetStream' });
    assert.equal(await jsm.streams.deleteMessage(stream, before + 1), true);

    edge = await startEdge();
    const incident = await eventually(async () => (await edgeRecord()).incidents?.find((i: { kind: string; expectedSeq: number }) => i.kind === 'gap' && i.expectedSeq === before + 1), { timeoutMs: 30_000, message: 'the gap was reported' });
    assert.equal(incident.gotSeq, before + 2);
    const last = await lastSeq();
    await eventually(async () => {
      const e = await edgeRecord();
      return e.appliedSeq >= last && e.incidents.find((i: { id: string; resolvedAt: string | null }) => i.id === incident.id)?.resolvedAt ? e : undefined;
    }, { timeoutMs: 30_000, message: 'the edge resumed from a fresh snapshot and the incident was resolved' });
    // The edge applied the events after the hole too: requests reach all three allocations.
    const served = new Set<string>();
    await eventually(async () => {
      const res = await viaEdge(edge.port, host);
      assert.equal(res.status, 200);
      served.add(res.body);
      return served.size === 3 ? true : undefined;
    }, { timeoutMs: 20_000, message: 'requests reached all three allocations' });
  });

  test('an edge that does not acknowledge makes the promotion roll back, and the old owner still serves', async () => {
    assert.equal((await call('PUT', '/api/apps/walk/environments/production/scale', { count: 1 })).status, 200);
    // A second edge registers and reports once, then goes silent while still counted live.
    const join = await env.t.cp.createJoinToken('silent', 60_000);
    const registered = await call('POST', '/api/edges/register', { joinToken: join, name: 'silent', transport: 'embedded', version: 'test' });
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    const report = await env.t.call('POST', '/api/edges/report', { token: registered.body.token, body: { appliedSeq: await lastSeq() } });
    assert.equal(report.status, 200, JSON.stringify(report.body));

    const v2 = await deployVersion('v2');
    const p = await promote(v2.id);
    assert.equal(p.state, 'rolled_back', JSON.stringify(p));
    assert.equal(p.previousDeploymentId, v1.id);
    const owner = (await call('GET', '/api/apps/walk/environments/production')).body;
    assert.equal(owner.deploymentId ?? v1.id, v1.id);
    for (let i = 0; i < 10; i++) assert.match((await viaEdge(edge.port, host)).body, /^hello from v1/, 'the old owner still serves');
  });
});
