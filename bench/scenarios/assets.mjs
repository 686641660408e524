// Assets: a real `berth edge` serving a file of a sleeping app's asset manifest (the app deployed
// with `[assets]` and `[scale] min = 0`, put to sleep by the sleep controller: its route has no
// target), against nginx and Caddy serving the same bytes from disk. Requests/s at 50 connections;
// after the run, the control plane must show no wake and no allocation started, and the app no
// request.
import { get } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureCpu } from '../lib/cpu-accounting.mjs';
import { deployApp, environmentCounts, putToSleep, startBerthEdge, startControlPlane, startRunner, waitHot } from '../lib/berth-stack.mjs';
import { assetBytes, writeBenchApp } from '../lib/bench-app.mjs';
import { requireWrk } from '../lib/peer-proxies.mjs';
import { startCaddyFiles, startNginxFiles } from '../lib/static-peers.mjs';
import { ratioOf } from '../lib/stats.mjs';
import { runWrk } from '../lib/wrk.mjs';

const EDGE = 'edge-assets';
const CONNECTIONS = 50;
const ASSET = { name: 'app.js', size: 10 * 1024 };
const PATH = `/assets/${ASSET.name}`;

/** @type {import('../lib/scenario.mjs').Peer[]} */
const peers = [
  { id: 'edge', label: 'berth edge (app asleep)', start: async (_ctx, f) => ({ port: f.edge.port, entry: f.edge.entry }) },
  { id: 'nginx', label: 'nginx (1 worker)', start: (ctx, f) => startNginxFiles({ dir: ctx.dir, root: f.root }) },
  { id: 'caddy', label: 'Caddy (GOMAXPROCS=1)', start: (ctx, f) => startCaddyFiles({ dir: ctx.dir, root: f.root }) },
];

/** @type {import('../lib/scenario.mjs').Scenario} */
export const assets = {
  name: 'assets',
  description: `Requests/s at 50 connections (wrk -t1 -c50) for a ${ASSET.size / 1024} KiB asset: the edge serving it for a sleeping app vs nginx and Caddy serving the same file from disk; no wake, no allocation, no request to the app`,
  async setup(ctx) {
    await requireWrk();
    const bytes = assetBytes(ASSET.size);
    const cp = await startControlPlane({ wakesPerMinute: 1_000_000 });
    await startRunner(cp, ctx.dir);
    const edge = await startBerthEdge(cp, { name: EDGE, dir: ctx.dir, profileDir: ctx.profileDir });
    const deployment = await deployApp(cp, 'assets-bench', writeBenchApp(join(ctx.dir, 'app'), { asset: { name: ASSET.name, bytes } }));
    await waitHot(cp, deployment.environmentId, [EDGE]);
    await putToSleep(cp, deployment.environmentId, [EDGE]);
    const asleep = await environmentCounts(cp, deployment.environmentId);
    // The same bytes on disk for nginx and Caddy, at the same path.
    const root = join(ctx.dir, 'static');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'assets', ASSET.name), bytes);
    // wrk requests the asset's path (its command line takes the URL's host part only here).
    const script = join(ctx.dir, 'asset-path.lua');
    writeFileSync(script, `wrk.path = "${PATH}"\n`);
    ctx.progress(`  ${deployment.host} asleep (${asleep.wakes} wakes, ${asleep.allocations} allocation so far); serving ${PATH}, ${bytes.length} bytes`);
    return { cp, edge, deployment, root, script, bytes, asleep };
  },
  peers,
  async measure(peer, server, ctx, fixture) {
    const host = peer.id === 'edge' ? fixture.deployment.host : 'static.bench.test';
    await checkBytes(server.port, host, fixture.bytes, peer.label);
    const wrk = (durationS) => runWrk({ port: server.port, connections: CONNECTIONS, durationS, host, script: fixture.script });
    await wrk(ctx.warmupS);
    const { result: load, cores, disturbance, otherCores } = await measureCpu({ server: server.entry.pid, isProxy: true, pinned: ctx.pinned }, () => wrk(ctx.durationS));
    const metrics = { rps: load.rps, p50AtC50Ms: load.latencyP50Ms, cpu: cores, disturbance, otherCores, non2xx: load.non2xx, errors: load.errors };
    if (peer.id !== 'edge') return metrics;
    const { cp, deployment, asleep } = fixture;
    const now = await environmentCounts(cp, deployment.environmentId);
    const [logged] = await cp.query(
      "SELECT count(*)::int AS n FROM allocation_logs l JOIN allocations a ON a.id = l.allocation_id WHERE a.environment_id = $1 AND l.text LIKE 'request % /assets/%'",
      [deployment.environmentId],
    );
    return { ...metrics, wakes: now.wakes - asleep.wakes, allocationStarts: now.allocations - asleep.allocations, appRequests: logged.n };
  },
  cumulative: ['non2xx', 'errors'],
  columns: [
    { metric: 'rps', label: 'req/s @50', digits: 0 },
    { metric: 'p50AtC50Ms', label: 'p50 @50 (ms)', digits: 2 },
    { metric: 'cpu', label: 'CPU @50 (cores)', digits: 2 },
    { metric: 'non2xx', label: 'non-2xx', stat: 'sum' },
    { metric: 'wakes', label: 'wakes', stat: 'max' },
    { metric: 'allocationStarts', label: 'alloc starts', stat: 'max' },
    { metric: 'appRequests', label: 'app saw', stat: 'max' },
  ],
  ratios: (s) => ({
    'edge / Caddy req/s': ratioOf(s, 'edge', 'caddy'),
    'edge / nginx req/s': ratioOf(s, 'edge', 'nginx'),
  }),
  targets: [
    { label: 'edge / Caddy req/s', value: (s) => ratioOf(s, 'edge', 'caddy')?.value, op: '>=', threshold: 1.2 },
    { label: 'wakes while serving the asset', value: (s) => s.edge?.wakes?.max, op: '==', threshold: 0 },
    { label: 'allocations started', value: (s) => s.edge?.allocationStarts?.max, op: '==', threshold: 0 },
    { label: 'asset requests the app saw', value: (s) => s.edge?.appRequests?.max, op: '==', threshold: 0 },
    { label: 'non-2xx or socket errors (all peers)', value: (s) => peers.reduce((sum, p) => sum + (s[p.id]?.non2xx?.sum ?? 0) + (s[p.id]?.errors?.sum ?? 0), 0), op: '==', threshold: 0 },
  ],
};

/** Fails unless `port` answers the asset with exactly `bytes`: every peer serves the same file. */
function checkBytes(port, host, bytes, label) {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: PATH, headers: { host }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode === 200 && body.equals(bytes)) resolve();
        else reject(new Error(`${label} answered ${PATH} with ${res.statusCode} and ${body.length} bytes, not the ${bytes.length}-byte asset`));
      });
    }).on('error', reject);
  });
}
