// Propagation: route compare-and-swaps every 100 ms on a real control plane while a probe sends a
// GET through a real `berth edge` every millisecond; the time from each swap's commit to the first
// response from the new owner, over the embedded feed and over NATS JetStream, with raw JetStream
// publish-to-consume latency measured alongside. Every response is checked: none may come from an
// epoch older than one the edge already served (lib/propagation-judge.mjs).
//
// The swap is the promotion's `route_cas` step itself (swapRouteOwner in a transaction on the
// control plane's store, then the poke every committed transition gives the route feed), driven
// directly so the benchmark can stamp the commit; the two deployments' ready allocations point at
// the three identities of the benchmark's upstream, in turn (see servers/control-plane.mjs seedOwners).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runToEnd } from '../lib/children.mjs';
import { edgesCaughtUp, measureAroundEdges, startBerthEdge, startControlPlane } from '../lib/berth-stack.mjs';
import { LOAD_CPU } from '../lib/layout.mjs';
import { spread } from '../lib/percentiles.mjs';
import { judgePropagation } from '../lib/propagation-judge.mjs';
import { startUpstream } from '../lib/servers.mjs';

const OWNERS = ['u0', 'u1', 'u2'];
const HOST = 'propagation.bench.test';
const EVERY_MS = 100;
const WARMUP_MS = 1_000;
const natsUrl = 'nats://127.0.0.1:4222';
const clients = join(import.meta.dirname, '..', 'clients');

/** Changes per measurement: one every 100 ms for --duration seconds (10 s by default: 100 changes). */
const changesPerRound = (ctx) => Math.max(5, Math.round((ctx.durationS * 1000) / EVERY_MS));

/** @type {import('../lib/scenario.mjs').Peer[]} */
const peers = [
  { id: 'embedded', label: 'edge, embedded feed', start: async (_ctx, f) => ({ port: f.edges.embedded.port, entry: f.edges.embedded.entry }) },
  { id: 'jetstream', label: 'edge, NATS JetStream', start: async (_ctx, f) => ({ port: f.edges.jetstream.port, entry: f.edges.jetstream.entry }) },
  { id: 'raw', label: 'raw JetStream pub→consume', start: async (_ctx, f) => ({ port: 0, entry: f.edges.jetstream.entry }) },
];

/** @type {import('../lib/scenario.mjs').Scenario} */
export const propagation = {
  name: 'propagation',
  description: `Route compare-and-swaps every ${EVERY_MS} ms, a GET through the edge every 1 ms: commit to first response from the new owner, embedded feed and NATS JetStream, vs raw JetStream publish-to-consume; no response from an older epoch`,
  async setup(ctx) {
    const suffix = `${process.pid}_${Date.now().toString(36)}`.toUpperCase();
    const nats = { url: natsUrl, stream: `BERTH_BENCH_PROPAGATION_${suffix}`, subject: `berth.bench.propagation.${suffix.toLowerCase()}` };
    // Three owners in turn, not two: with two, an edge more than one change late answers as the
    // owner of epoch k - 1, which is also the owner of epoch k + 1, and the judge could not tell
    // a late edge from one serving an older epoch (see lib/propagation-judge.mjs).
    const upstream = await startUpstream(OWNERS);
    // No runner: the allocations are rows pointing at the upstream, on a host that never
    // heartbeats, so worker health must not declare it lost during the run.
    const cp = await startControlPlane({ natsUrl, natsStream: nats.stream, natsSubject: nats.subject, heartbeatTimeoutMs: 24 * 3_600_000 });
    const seeded = await cp.rpc('seedOwners', { hostname: HOST, upstreams: OWNERS.map((id) => ({ id, port: upstream.ports[id] })) });
    const edges = {
      embedded: await startBerthEdge(cp, { name: 'edge-embedded', dir: ctx.dir, profileDir: ctx.profileDir }),
      jetstream: await startBerthEdge(cp, { name: 'edge-jetstream', dir: ctx.dir, nats, profileDir: ctx.profileDir }),
    };
    await edgesCaughtUp(cp, ['edge-embedded', 'edge-jetstream']);
    ctx.progress(`  ${HOST} owned by ${seeded.owner} at epoch ${seeded.epoch}; JetStream stream ${nats.stream}; ${changesPerRound(ctx)} changes per round`);
    return { cp, edges, owner: seeded.owner, nats, suffix };
  },
  peers,
  async measure(peer, _server, ctx, fixture, round) {
    const count = changesPerRound(ctx);
    const all = [fixture.edges.embedded, fixture.edges.jetstream];
    if (peer.id === 'raw') {
      const { result, disturbance, otherCores } = await measureAroundEdges(all, ctx.pinned, () => rawJetStream(fixture, count, round));
      const latency = spread(result.latenciesMs);
      return { p50Ms: latency.p50, p99Ms: latency.p99, maxMs: latency.max, changes: result.latenciesMs.length, missed: count - result.latenciesMs.length, ackP50Ms: spread(result.ackMs).p50, disturbance, otherCores };
    }
    const edge = fixture.edges[peer.id];
    await edgesCaughtUp(fixture.cp, [edge.name]);
    const { result, disturbance, otherCores } = await measureAroundEdges(all, ctx.pinned, () => probeDuringPromotions(fixture, edge, count, ctx, peer.id));
    const latency = spread(result.delaysMs);
    return {
      p50Ms: latency.p50, p99Ms: latency.p99, maxMs: latency.max, changes: result.delaysMs.length, missed: result.missed,
      violations: result.violations, failed: result.failed, probes: result.answered,
      feedP50Ms: result.feed.p50, feedP99Ms: result.feed.p99, probeP50Ms: result.probe.p50, probeP99Ms: result.probe.p99, disturbance, otherCores,
    };
  },
  cumulative: ['violations', 'failed', 'missed'],
  columns: [
    { metric: 'p50Ms', label: 'p50 (ms)', digits: 2 },
    { metric: 'p99Ms', label: 'p99 (ms)', digits: 2 },
    { metric: 'maxMs', label: 'max (ms)', digits: 2 },
    { metric: 'changes', label: 'changes seen', stat: 'sum' },
    { metric: 'missed', label: 'missed', stat: 'sum' },
    { metric: 'probes', label: 'probe answers', stat: 'sum' },
    { metric: 'violations', label: 'older epoch', stat: 'sum' },
    { metric: 'failed', label: 'failed', stat: 'sum' },
    { metric: 'feedP50Ms', label: 'commit→feed p50 (ms)', digits: 2 },
    { metric: 'feedP99Ms', label: 'commit→feed p99 (ms)', digits: 2 },
    { metric: 'probeP50Ms', label: 'probe RTT p50 (ms)', digits: 2 },
    { metric: 'ackP50Ms', label: 'publish ack p50 (ms)', digits: 2 },
  ],
  targets: [
    { label: 'embedded: commit to new owner p50 (ms)', value: (s) => s.embedded?.p50Ms?.median, op: '<', threshold: 5 },
    { label: 'embedded: commit to new owner p99 (ms)', value: (s) => s.embedded?.p99Ms?.median, op: '<', threshold: 25 },
    { label: 'JetStream: commit to new owner p50 (ms)', value: (s) => s.jetstream?.p50Ms?.median, op: '<', threshold: 5 },
    { label: 'JetStream: commit to new owner p99 (ms)', value: (s) => s.jetstream?.p99Ms?.median, op: '<', threshold: 25 },
    { label: 'responses from an older epoch than one served', value: (s) => (s.embedded?.violations?.sum ?? 0) + (s.jetstream?.violations?.sum ?? 0), op: '==', threshold: 0 },
    { label: 'changes never served, failed probes', value: (s) => ['embedded', 'jetstream'].reduce((sum, id) => sum + (s[id]?.missed?.sum ?? 0) + (s[id]?.failed?.sum ?? 0), 0), op: '==', threshold: 0 },
  ],
};

/** Runs the probe through `edge` while the control plane makes `count` swaps; judges what it saw. */
async function probeDuringPromotions(fixture, edge, count, ctx, id) {
  const out = join(ctx.dir, `probe-${id}.txt`);
  const order = { port: edge.port, host: HOST, durationMs: WARMUP_MS + count * EVERY_MS + 300, intervalMs: 1, out };
  const probing = runToEnd('propagation-probe', process.execPath, [join(clients, 'propagation-probe.mjs'), JSON.stringify(order)], { cpu: LOAD_CPU });
  // The probe runs a second before the first swap (the edge and the probe warm up) and 300 ms
  // after the last.
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS - EVERY_MS));
  const timeline = await fixture.cp.rpc('promotions', { count, everyMs: EVERY_MS });
  const ran = await probing;
  if (ran.code !== 0) throw new Error(`the propagation probe failed (${ran.code}): ${ran.stderr}`);
  const responses = readFileSync(out, 'utf8').trim().split('\n').map((line) => {
    const [sentUs, recvUs, owner, status] = line.split(' ');
    return { sentUs: Number(sentUs), recvUs: Number(recvUs), owner, status: Number(status) };
  });
  const judged = judgePropagation({ initialOwner: fixture.owner, changes: timeline, responses });
  fixture.owner = timeline.at(-1)?.owner ?? fixture.owner;
  // Where the time went: the control plane's share (commit until the route feed handed the event
  // to its subscribers), and the probe's own round trip (its resolution, with the 1 ms interval).
  const feed = spread(timeline.filter((entry) => entry.feedUs !== undefined).map((entry) => (entry.feedUs - entry.committedUs) / 1000));
  const probe = spread(responses.filter((r) => r.status === 200).map((r) => (r.recvUs - r.sentUs) / 1000));
  return { ...judged, feed, probe };
}

/** Raw JetStream: `count` messages one every 100 ms through a scratch stream of this run. */
async function rawJetStream(fixture, count, round) {
  const order = { natsUrl, stream: `BERTH_BENCH_RAW_${fixture.suffix}_${round}_${Date.now().toString(36).toUpperCase()}`, count, everyMs: EVERY_MS };
  const ran = await runToEnd('jetstream-latency', process.execPath, [join(clients, 'jetstream-latency.mjs'), JSON.stringify(order)], { cpu: LOAD_CPU });
  if (ran.code !== 0) throw new Error(`the raw JetStream client failed (${ran.code}): ${ran.stderr}`);
  return JSON.parse(ran.stdout.trim().split('\n').at(-1));
}
