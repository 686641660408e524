// Stampede: 1,000 GETs at once on a sleeping app through one real `berth edge`, then the same
// 1,000 spread over two edge processes, against a single GET's wake in the same run. Every request
// must be answered 200 by the one allocation one wake operation started, and the edges' memory
// must stay bounded while they hold the requests.
import { join } from 'node:path';
import { deployApp, environmentCounts, measureAroundEdges, memoryOf, putToSleep, resetPeakMemory, startBerthEdge, startControlPlane, startRunner, waitHot } from '../lib/berth-stack.mjs';
import { writeBenchApp } from '../lib/bench-app.mjs';
import { differenceOf, spread } from '../lib/percentiles.mjs';
import { freePort } from '../lib/children.mjs';
import { burst } from '../lib/wake-clients.mjs';

const REQUESTS = 1_000;
const SINGLE_WAKES_PER_ROUND = 3;
const EDGES = ['edge-a', 'edge-b'];
const MiB = 1024 * 1024;

/** @type {import('../lib/scenario.mjs').Peer[]} */
const peers = [
  { id: 'single', label: '1 GET, 1 edge', start: async (_ctx, f) => ({ port: f.edges[0].port, entry: f.edges[0].entry }) },
  // The app's own share: the same app freshly started by hand and sent the 1,000 GETs straight
  // (no platform), as soon as its health path answers. A just-started Node process serves its
  // first thousand requests slowly; a stampede through the edge cannot be faster than this.
  { id: 'direct', label: `${REQUESTS.toLocaleString('en')} GETs, app direct`, start: async (_ctx, f) => ({ port: f.edges[0].port, entry: f.edges[0].entry }) },
  { id: 'oneEdge', label: `${REQUESTS.toLocaleString('en')} GETs, 1 edge`, start: async (_ctx, f) => ({ port: f.edges[0].port, entry: f.edges[0].entry }) },
  { id: 'twoEdges', label: `${REQUESTS.toLocaleString('en')} GETs, 2 edges`, start: async (_ctx, f) => ({ port: f.edges[0].port, entry: f.edges[0].entry }) },
];

/** @type {import('../lib/scenario.mjs').Scenario} */
export const stampede = {
  name: 'stampede',
  description: `Stampede: ${REQUESTS.toLocaleString('en')} concurrent GETs on a sleeping app through one edge, then across two edge processes, vs a single GET's wake: one wake, one allocation, every answer 200, edge memory growth`,
  async setup(ctx) {
    const cp = await startControlPlane({ wakesPerMinute: 1_000_000, crashLimit: 1_000 });
    await startRunner(cp, ctx.dir);
    const edges = [];
    for (const name of EDGES) edges.push(await startBerthEdge(cp, { name, dir: ctx.dir, profileDir: ctx.profileDir }));
    const folder = writeBenchApp(join(ctx.dir, 'app'));
    const deployment = await deployApp(cp, 'stampede-bench', folder);
    await waitHot(cp, deployment.environmentId, EDGES);
    ctx.progress(`  deployed ${deployment.id} as ${deployment.host}`);
    return { cp, edges, deployment, folder };
  },
  peers,
  async measure(peer, _server, ctx, fixture) {
    if (peer.id === 'direct') return directBurst(fixture);
    const { result, disturbance, otherCores } = await measureAroundEdges(fixture.edges, ctx.pinned, () => stampedeRound(peer, fixture));
    return { ...result, disturbance, otherCores };
  },
  cumulative: ['failed', 'wrongWakes', 'wrongStarts'],
  columns: [
    { metric: 'firstMs', label: 'first (ms)', digits: 1 },
    { metric: 'p50Ms', label: 'p50 (ms)', digits: 1 },
    { metric: 'p99Ms', label: 'p99 (ms)', digits: 1 },
    { metric: 'maxMs', label: 'max (ms)', digits: 1 },
    { metric: 'answered', label: 'answers', stat: 'sum' },
    { metric: 'failed', label: 'non-200', stat: 'sum' },
    { metric: 'wakes', label: 'wakes', stat: 'sum' },
    { metric: 'allocationStarts', label: 'alloc starts', stat: 'sum' },
    { metric: 'wrongWakes', label: 'rounds != 1 wake', stat: 'sum' },
    { metric: 'rssGrowthMiB', label: 'edge RSS growth (MiB)', digits: 1, stat: 'max' },
  ],
  // Differences in ms (per round, then the median; of the medians in brackets), not ratios.
  ratios: (s) => ({
    '1 edge: p99 - single p50 (ms)': overSingle(s, 'oneEdge'),
    '2 edges: p99 - single p50 (ms)': overSingle(s, 'twoEdges'),
    'app direct: p99 (ms), for reference': s.direct?.p99Ms === undefined ? undefined : { value: s.direct.p99Ms.median, ofMedians: s.direct.p99Ms.median },
    // Not a target: what the platform adds beyond the two floors it cannot go under, the wake of
    // one request and the just-started app answering the 1,000 by itself.
    '1 edge: p99 - (single p50 + app direct p99) (ms)': overFloors(s, 'oneEdge'),
    '2 edges: p99 - (single p50 + app direct p99) (ms)': overFloors(s, 'twoEdges'),
  }),
  targets: [
    { label: 'wake operations per stampede != 1 (rounds)', value: (s) => (s.oneEdge?.wrongWakes?.sum ?? 0) + (s.twoEdges?.wrongWakes?.sum ?? 0), op: '==', threshold: 0 },
    { label: 'allocation starts per stampede != 1 (rounds)', value: (s) => (s.oneEdge?.wrongStarts?.sum ?? 0) + (s.twoEdges?.wrongStarts?.sum ?? 0), op: '==', threshold: 0 },
    { label: 'non-200 answers', value: (s) => peers.reduce((sum, peer) => sum + (s[peer.id]?.failed?.sum ?? 0), 0), op: '==', threshold: 0 },
    { label: '1 edge: p99 - single p50 (ms)', value: (s) => overSingle(s, 'oneEdge')?.value, op: '<', threshold: 250 },
    { label: '2 edges: p99 - single p50 (ms)', value: (s) => overSingle(s, 'twoEdges')?.value, op: '<', threshold: 250 },
    { label: 'edge RSS growth, largest (MiB)', value: (s) => Math.max(s.oneEdge?.rssGrowthMiB?.max ?? 0, s.twoEdges?.rssGrowthMiB?.max ?? 0), op: '<', threshold: 64 },
  ],
};

/** The stampede's p99 over the single wake's p50 of the same round; see differenceOf. */
function overSingle(summaries, id) {
  const p99 = summaries[id]?.p99Ms;
  const single = summaries.single?.p50Ms;
  if (p99 === undefined || single === undefined) return undefined;
  return differenceOf({ a: { p: p99 }, b: { p: single } }, 'a', 'b', 'p');
}

/** The stampede's p99 over the single wake's p50 plus the app-direct p99, per round, then the median. */
function overFloors(summaries, id) {
  const p99 = summaries[id]?.p99Ms;
  const single = summaries.single?.p50Ms;
  const direct = summaries.direct?.p99Ms;
  if (p99 === undefined || single === undefined || direct === undefined) return undefined;
  const floor = { values: single.values.map((value, round) => value + direct.values[round]), median: single.median + direct.median };
  return differenceOf({ a: { p: p99 }, b: { p: floor } }, 'a', 'b', 'p');
}

/** One round of a row: the app put to sleep, then the GETs at once (a single GET three times). */
async function stampedeRound(peer, fixture) {
  const { cp, edges, deployment } = fixture;
  const env = deployment.environmentId;
  const orders = peer.id === 'single'
    ? Array.from({ length: SINGLE_WAKES_PER_ROUND }, () => [{ port: edges[0].port, count: 1 }])
    : [peer.id === 'oneEdge' ? [{ port: edges[0].port, count: REQUESTS }] : edges.map((edge) => ({ port: edge.port, count: REQUESTS / edges.length }))];
  const times = [];
  let failed = 0;
  let wrongWakes = 0;
  let wrongStarts = 0;
  let wakes = 0;
  let starts = 0;
  let growth = 0;
  let connectMs = 0;
  for (const targets of orders) {
    await putToSleep(cp, env, EDGES);
    const before = await environmentCounts(cp, env);
    const rss = edges.map((edge) => (resetPeakMemory(edge.entry.pid), memoryOf(edge.entry.pid).rss));
    const answer = await burst({ targets, host: deployment.host });
    const peaks = edges.map((edge) => memoryOf(edge.entry.pid).peak);
    growth = Math.max(growth, ...peaks.map((peak, i) => (peak - rss[i]) / MiB));
    const after = await environmentCounts(cp, env);
    connectMs = Math.max(connectMs, answer.connectMs);
    for (const result of answer.results) {
      times.push(result.ms);
      if (result.status !== 200) failed++;
    }
    wakes += after.wakes - before.wakes;
    starts += after.allocations - before.allocations;
    if (after.wakes - before.wakes !== 1) wrongWakes++;
    if (after.allocations - before.allocations !== 1) wrongStarts++;
  }
  const own = spread(times);
  return { firstMs: Math.min(...times), p50Ms: own.p50, p99Ms: own.p99, maxMs: own.max, answered: times.length, failed, wakes, allocationStarts: starts, wrongWakes, wrongStarts, rssGrowthMiB: growth, connectMs };
}

/** The floor of a stampede: the app started by hand, then the GETs straight to it (see `direct`). */
async function directBurst(fixture) {
  const port = await freePort();
  const answer = await burst({ targets: [{ port, count: REQUESTS }], host: fixture.deployment.host, spawn: { folder: fixture.folder, port, health: '/healthz' } });
  const times = answer.results.map((result) => result.ms);
  const failed = answer.results.filter((result) => result.status !== 200).length;
  const own = spread(times);
  return { firstMs: Math.min(...times), p50Ms: own.p50, p99Ms: own.p99, maxMs: own.max, answered: times.length, failed, connectMs: answer.connectMs };
}
