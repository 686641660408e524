// Wake to first byte: an app asleep (`[scale] min = 0`, put to sleep by the sleep controller), one
// GET through a real `berth edge` wakes it through the real control plane and a real `berth
// runner`; against the floor measured in the same run: the same app spawned directly and polled
// until its first 200. Each round: 20 wakes (--duration sets how many), each after a sleep.
import { join } from 'node:path';
import { deployApp, latestWakeTimeline, measureAroundEdges, putToSleep, startBerthEdge, startControlPlane, startRunner, waitHot } from '../lib/berth-stack.mjs';
import { writeBenchApp } from '../lib/bench-app.mjs';
import { median } from '../lib/stats.mjs';
import { differenceOf, spread } from '../lib/percentiles.mjs';
import { firstByte, floorOnce } from '../lib/wake-clients.mjs';

const EDGE = 'edge-wake';

/** Wakes (and floor spawns) per round: --duration N, at least 3. */
const samplesPerRound = (ctx) => Math.max(3, ctx.durationS);

/** Every sample of the run, per peer, for the pooled percentiles printed with the last round. */
const pooled = { floor: [], wake: [] };

/** @type {import('../lib/scenario.mjs').Peer[]} */
const peers = [
  // Both rows carry the edge's process as the one whose core must stay quiet (core 1): the app,
  // the control plane and the runner share core 0, and the apps the runner starts are counted there.
  { id: 'floor', label: 'floor: app spawned directly', start: async (_ctx, fixture) => ({ port: 0, entry: fixture.edge.entry }) },
  { id: 'wake', label: 'wake through the edge', start: async (_ctx, fixture) => ({ port: fixture.edge.port, entry: fixture.edge.entry }) },
];

/** @type {import('../lib/scenario.mjs').Scenario} */
export const wakeToFirstByte = {
  name: 'wake',
  description: 'Wake to first byte: GET through a real edge on a sleeping app (control plane + berth runner + berth edge), vs the floor: the same app spawned directly and polled until its first 200',
  async setup(ctx) {
    const cp = await startControlPlane({ wakesPerMinute: 1_000_000, crashLimit: 1_000 });
    await startRunner(cp, ctx.dir);
    const edge = await startBerthEdge(cp, { name: EDGE, dir: ctx.dir, profileDir: ctx.profileDir });
    const folder = writeBenchApp(join(ctx.dir, 'app'));
    const deployment = await deployApp(cp, 'wake-bench', folder);
    await waitHot(cp, deployment.environmentId, [EDGE]);
    ctx.progress(`  deployed ${deployment.id} as ${deployment.host}; ${samplesPerRound(ctx)} wakes per round`);
    return { cp, edge, folder, deployment };
  },
  peers,
  async measure(peer, _server, ctx, fixture, round) {
    const { result, disturbance, otherCores } = await measureAroundEdges([fixture.edge], ctx.pinned, () => sampleRound(peer, ctx, fixture));
    const { times, phases, failed } = result;
    pooled[peer.id].push(...times);
    const own = spread(times);
    const metrics = { p50Ms: own.p50, p99Ms: own.p99, maxMs: own.max, samples: times.length, failed, disturbance, otherCores };
    if (peer.id === 'wake') for (const [name, values] of Object.entries(phases)) metrics[`${name}Ms`] = median(values);
    if (round === ctx.rounds) {
      const all = spread(pooled[peer.id]);
      Object.assign(metrics, { pooledP50Ms: all.p50, pooledP99Ms: all.p99, pooledSamples: pooled[peer.id].length });
    }
    return metrics;
  },
  cumulative: ['failed'],
  columns: [
    { metric: 'p50Ms', label: 'p50 (ms)', digits: 1 },
    { metric: 'p99Ms', label: 'p99 (ms)', digits: 1 },
    { metric: 'maxMs', label: 'max (ms)', digits: 1 },
    { metric: 'pooledP50Ms', label: 'all p50 (ms)', digits: 1 },
    { metric: 'pooledP99Ms', label: 'all p99 (ms)', digits: 1 },
    { metric: 'failed', label: 'non-200', stat: 'sum' },
    { metric: 'askMs', label: 'ask', digits: 0 },
    { metric: 'placeMs', label: 'place', digits: 0 },
    { metric: 'startMs', label: 'start', digits: 0 },
    { metric: 'readyMs', label: 'ready', digits: 0 },
    { metric: 'serveMs', label: 'serve', digits: 0 },
  ],
  // Differences in ms (per round, then the median; of the medians in brackets), not ratios.
  ratios: (s) => ({
    'wake p50 - floor p50 (ms)': differenceOf(s, 'wake', 'floor', 'p50Ms'),
    'wake p99 - floor p99 (ms)': differenceOf(s, 'wake', 'floor', 'p99Ms'),
    'all wakes: p50 - floor p50 (ms)': pooledDifference(s, 'pooledP50Ms'),
    'all wakes: p99 - floor p99 (ms)': pooledDifference(s, 'pooledP99Ms'),
  }),
  targets: [
    { label: 'wake p50 - floor p50 (ms)', value: (s) => differenceOf(s, 'wake', 'floor', 'p50Ms')?.value, op: '<', threshold: 60 },
    { label: 'wake p99 - floor p99 (ms)', value: (s) => differenceOf(s, 'wake', 'floor', 'p99Ms')?.value, op: '<', threshold: 200 },
    { label: 'non-200 answers (wake and floor)', value: (s) => (s.wake?.failed?.sum ?? 0) + (s.floor?.failed?.sum ?? 0), op: '==', threshold: 0 },
  ],
};

/** The pooled figures exist for the last round only: their difference, in the shape of the others. */
function pooledDifference(summaries, metric) {
  const wake = summaries.wake?.[metric]?.median;
  const floor = summaries.floor?.[metric]?.median;
  return wake !== undefined && floor !== undefined ? { value: wake - floor, ofMedians: wake - floor } : undefined;
}

/**
 * Where one wake's time went, from the control plane's timeline (wall clock, ms): ask = the edge's
 * wake call until the wake exists; place = until the scheduler created the allocation; start =
 * until the runner reported it starting (assignment, artifact, working copy); ready = until it
 * passed readiness (the process boots, the probe polls every 250 ms); serve = until the answer's
 * first byte (target.up through the route feed to the edge, the held request proxied).
 */
function addPhases(phases, timeline, sentAt, answeredAt) {
  const at = (list, state) => list.find((event) => event.state === state)?.atMs;
  const created = timeline.createdAt;
  const allocationCreated = at(timeline.allocation, 'created');
  const starting = at(timeline.allocation, 'starting');
  const ready = at(timeline.allocation, 'ready');
  if (allocationCreated === undefined || starting === undefined || ready === undefined) return;
  phases.ask.push(created - sentAt);
  phases.place.push(allocationCreated);
  phases.start.push(starting - allocationCreated);
  phases.ready.push(ready - starting);
  phases.serve.push(answeredAt - (created + ready));
}

/** One round's samples: floor spawns, or wakes each after putting the app to sleep. */
async function sampleRound(peer, ctx, fixture) {
  const { cp, edge, deployment } = fixture;
  const times = [];
  const phases = { ask: [], place: [], start: [], ready: [], serve: [] };
  let failed = 0;
  for (let i = 0; i < samplesPerRound(ctx); i++) {
    if (peer.id === 'floor') {
      const sample = await floorOnce(fixture.folder);
      if (sample.status !== 200) failed++;
      times.push(sample.ms);
      continue;
    }
    await putToSleep(cp, deployment.environmentId, [EDGE]);
    const sample = await firstByte(edge.port, deployment.host, '/');
    const answeredAt = sample.sentAt + sample.ms;
    if (sample.status !== 200) failed++;
    times.push(sample.ms);
    const timeline = await latestWakeTimeline(cp, deployment.environmentId);
    if (timeline) addPhases(phases, timeline, sample.sentAt, answeredAt);
  }
  return { times, phases, failed };
}
