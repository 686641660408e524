// Hot path: the edge against nginx, HAProxy, Caddy and a bare Node pipe proxy, all in front of
// the same upstream. Requests/s at 50 connections (wrk), and the latency each proxy adds at one
// connection over hitting the upstream directly (measured alternately in the same client).
import { join } from 'node:path';
import { runToEnd } from '../lib/children.mjs';
import { measureCpu } from '../lib/cpu-accounting.mjs';
import { LATENCY_CPU } from '../lib/layout.mjs';
import { startCaddy, startHaproxy, startNginx, requireWrk } from '../lib/peer-proxies.mjs';
import { routeTo, startEdge, startNodeProxy, startUpstream } from '../lib/servers.mjs';
import { ratioOf } from '../lib/stats.mjs';
import { runWrk } from '../lib/wrk.mjs';

const HOST = 'app.bench.test';
const CONNECTIONS = 50;

/** @type {import('../lib/scenario.mjs').Peer[]} */
const peers = [
  { id: 'direct', label: 'upstream (direct)', start: async (_ctx, fixture) => ({ port: fixture.upstreamPort }) },
  {
    id: 'edge',
    label: 'berth edge',
    start: (ctx, fixture) => startEdge({ dir: ctx.dir, name: 'edge', routes: [routeTo(HOST, 'u0', fixture.upstreamPort)], profileDir: ctx.profileDir }),
  },
  { id: 'nginx', label: 'nginx (1 worker)', start: (ctx, fixture) => startNginx({ dir: ctx.dir, upstreamPort: fixture.upstreamPort }) },
  { id: 'haproxy', label: 'HAProxy (1 thread)', start: (ctx, fixture) => startHaproxy({ dir: ctx.dir, upstreamPort: fixture.upstreamPort }) },
  { id: 'caddy', label: 'Caddy (GOMAXPROCS=1)', start: (ctx, fixture) => startCaddy({ dir: ctx.dir, upstreamPort: fixture.upstreamPort }) },
  { id: 'nodeProxy', label: 'bare Node pipe proxy', start: (_ctx, fixture) => startNodeProxy({ upstreamPort: fixture.upstreamPort }) },
];

const ratio = (summaries, a, b) => ratioOf(summaries, a, b)?.value;

/** @type {import('../lib/scenario.mjs').Scenario} */
export const hotPath = {
  name: 'hot-path',
  description: 'Requests/s at 50 connections (wrk -t1 -c50) and added p50 latency at 1 connection, edge vs nginx, HAProxy, Caddy and a bare Node proxy in front of one upstream',
  async setup() {
    await requireWrk();
    const upstream = await startUpstream(['u0']);
    return { upstreamPort: upstream.ports.u0, upstreamPid: upstream.entry.pid };
  },
  peers,
  async measure(peer, server, ctx, fixture) {
    await runWrk({ port: server.port, connections: CONNECTIONS, durationS: ctx.warmupS, host: HOST });
    // The CPU the proxy used (the upstream's for the direct row) says whether it was the bottleneck.
    const measured = { server: server.entry?.pid ?? fixture.upstreamPid, isProxy: server.entry !== undefined, pinned: ctx.pinned };
    const { result: load, cores, disturbance, otherCores } = await measureCpu(measured, () =>
      runWrk({ port: server.port, connections: CONNECTIONS, durationS: ctx.durationS, host: HOST }),
    );
    if (load.non2xx > 0 || load.errors > 0) throw new Error(`${peer.label}: ${load.non2xx} non-2xx responses and ${load.errors} socket errors under load`);
    const metrics = { rps: load.rps, p50AtC50Ms: load.latencyP50Ms, cpu: cores, disturbance, otherCores };
    if (peer.id === 'direct') return metrics;
    const latency = await measureLatency(fixture.upstreamPort, server.port, ctx);
    return { ...metrics, addedP50Us: latency.addedP50Us, p50Us: latency.proxyUs.p50, directP50Us: latency.directUs.p50, p99Us: latency.proxyUs.p99 };
  },
  columns: [
    { metric: 'rps', label: 'req/s @50', digits: 0 },
    { metric: 'p50AtC50Ms', label: 'p50 @50 (ms)', digits: 2 },
    { metric: 'cpu', label: 'CPU @50 (cores)', digits: 2 },
    { metric: 'p50Us', label: 'p50 @1 (µs)', digits: 0 },
    { metric: 'directP50Us', label: 'direct p50 @1 (µs)', digits: 0 },
    { metric: 'addedP50Us', label: 'added p50 @1 (µs)', digits: 0 },
  ],
  ratios: (summaries) => ({
    'edge / Caddy req/s': ratioOf(summaries, 'edge', 'caddy'),
    'edge / bare Node proxy req/s': ratioOf(summaries, 'edge', 'nodeProxy'),
    'edge / nginx req/s': ratioOf(summaries, 'edge', 'nginx'),
    'edge / HAProxy req/s': ratioOf(summaries, 'edge', 'haproxy'),
    'edge / upstream direct req/s': ratioOf(summaries, 'edge', 'direct'),
  }),
  targets: [
    { label: 'edge / Caddy req/s', value: (s) => ratio(s, 'edge', 'caddy'), op: '>=', threshold: 1.5 },
    { label: 'edge / bare Node proxy req/s', value: (s) => ratio(s, 'edge', 'nodeProxy'), op: '>=', threshold: 1.0 },
    { label: 'edge / nginx req/s', value: (s) => ratio(s, 'edge', 'nginx'), op: '>=', threshold: 0.4 },
    { label: 'edge added p50 at 1 connection (µs)', value: (s) => s.edge?.addedP50Us?.median, op: '<', threshold: 150 },
  ],
};

/** One closed-loop client alternating between the upstream and the proxy; see latency-client.mjs. */
async function measureLatency(directPort, proxyPort, ctx) {
  const client = join(import.meta.dirname, '..', 'clients', 'latency-client.mjs');
  const warmup = Math.ceil(ctx.latencySamples / 10);
  const args = [client, String(directPort), String(proxyPort), HOST, String(warmup), String(ctx.latencySamples)];
  const { code, stdout, stderr } = await runToEnd('latency-client', process.execPath, args, { cpu: LATENCY_CPU });
  if (code !== 0) throw new Error(`latency client failed (${code}): ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').at(-1));
}
