// Route table: the edge with 10,000 hostnames, a random Host per request and 1% of the owners
// changing during each measurement, against the same edge with one route. Every response is
// checked against the owner its host had (see route-check.lua and misroute-check.mjs).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runningGroups, stopProcess } from '../lib/children.mjs';
import { cpuBetween, cpuSnapshot, edgeCoreDisturbance, measureCpu } from '../lib/cpu-accounting.mjs';
import { LOAD_CPU, PROXY_CPU } from '../lib/layout.mjs';
import { requireWrk } from '../lib/peer-proxies.mjs';
import { judgeMovingResponses, startChurn } from '../lib/route-churn.mjs';
import { routeTo, startEdge, startUpstream } from '../lib/servers.mjs';
import { ratioOf } from '../lib/stats.mjs';
import { runWrk } from '../lib/wrk.mjs';

const HOSTNAMES = 10_000;
const CHANGES_PER_RUN = HOSTNAMES / 100;
const OWNERS = ['u0', 'u1', 'u2', 'u3'];
const CONNECTIONS = 50;
const script = join(import.meta.dirname, '..', 'lua', 'route-check.lua');

/** A small seeded generator, so a run's hostnames, owners and changes can be replayed. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const hostname = (i) => `app-${String(i).padStart(5, '0')}.bench.test`;

/**
 * The one route: one deployment whose four allocations are the four upstream identities, so the
 * edge spreads its requests over the same four upstream ports (and as many connection pools) as
 * with 10,000 routes, and the two configurations differ only in the route table. (With one
 * allocation, the one-route edge sent everything over one pool to one port, which the upstream,
 * sharing a core with wrk, serves more cheaply: that measured the upstream, not the table.)
 */
function oneRoute(ports) {
  const route = routeTo('one.bench.test', OWNERS[0], ports[OWNERS[0]]);
  return { ...route, targets: OWNERS.map((owner) => ({ allocationId: `alloc-${owner}`, host: '127.0.0.1', port: ports[owner] })) };
}

/** @type {import('../lib/scenario.mjs').Peer[]} */
const peers = [
  {
    id: 'oneRoute',
    label: 'edge, 1 route',
    start: (ctx, fixture) => startEdge({ dir: ctx.dir, name: 'edge-one-route', routes: [oneRoute(fixture.ports)], profileDir: ctx.profileDir }),
  },
  {
    id: 'manyRoutes',
    label: `edge, ${HOSTNAMES.toLocaleString('en')} routes, 1% churn`,
    start: (ctx, fixture) => startEdge({ dir: ctx.dir, name: 'edge-many-routes', routes: manyRoutes(fixture), profileDir: ctx.profileDir }),
  },
  // Both configurations loaded at the same time, each by its own wrk at 50 connections, sharing
  // the edge core: the kernel gives each half of it, so a change in the VM's speed (which moves
  // the two rows above, measured seconds apart, by up to ±30% here) reaches both alike, and the
  // ratio of their requests/s is the ratio of what a request costs each. Each round starts a
  // fresh pair of edge processes, so what one process's JIT happened to make of the code (a few
  // per cent either way, seen as whole runs reading 0.93 and 1.05) is one round's luck, not the
  // run's.
  { id: 'sideBySide', label: 'both at once, one core shared', start: async () => ({ port: 0 }) },
];

/** @type {import('../lib/scenario.mjs').Scenario} */
export const routeTable = {
  name: 'route-table',
  description: `Requests/s at 50 connections with ${HOSTNAMES.toLocaleString('en')} hostnames (random Host per request, ${CHANGES_PER_RUN} owners moved during each run) vs one route; every response checked for its owner`,
  async setup() {
    await requireWrk();
    const upstream = await startUpstream(OWNERS);
    const random = seededRandom(5);
    const owners = new Map();
    const epochs = new Map();
    for (let i = 0; i < HOSTNAMES; i++) {
      owners.set(hostname(i), OWNERS[Math.floor(random() * OWNERS.length)]);
      epochs.set(hostname(i), 1);
    }
    return { ports: upstream.ports, owners, epochs, random };
  },
  peers,
  async measure(peer, server, ctx, fixture, round) {
    if (peer.id === 'sideBySide') return measureSideBySide(ctx, fixture, round);
    const dataFile = join(ctx.dir, `${peer.id}-hosts.txt`);
    const recordsFile = join(ctx.dir, `${peer.id}-records.txt`);
    const measured = { server: server.entry.pid, isProxy: true, pinned: ctx.pinned };
    const wrk = (durationS, seed) => runWrk({ port: server.port, connections: CONNECTIONS, durationS, script, scriptArgs: [dataFile, recordsFile, String(seed)] });
    if (peer.id === 'oneRoute') {
      writeFileSync(dataFile, `one.bench.test ${OWNERS.join('|')}\n`);
      await wrk(ctx.warmupS, round);
      const { result: load, cores, disturbance, otherCores } = await measureCpu(measured, () => wrk(ctx.durationS, round));
      return { ...responseCounts(load, { misrouted: 0, accepted: 0 }), cpu: cores, disturbance, otherCores };
    }
    writeFileSync(dataFile, hostLines(fixture.owners, new Map()));
    await wrk(ctx.warmupS, round);
    const changes = pickChanges(fixture);
    writeFileSync(dataFile, hostLines(fixture.owners, changes));
    const churn = await startChurn(server.entry, changes, fixture, ctx.durationS * 1000);
    const { result: load, cores, disturbance, otherCores } = await measureCpu(measured, () => wrk(ctx.durationS, round));
    const timeline = await churn.applied;
    const judged = judgeMovingResponses(recordsFile, changes, timeline, load.check);
    applyChanges(fixture, changes);
    return { ...responseCounts(load, judged), cpu: cores, disturbance, otherCores, changesApplied: timeline.length };
  },
  // A misrouted or failed response in a measurement taken again still counts.
  cumulative: ['checked', 'misrouted', 'failed', 'inFlightOldOwner', 'changesApplied'],
  columns: [
    { metric: 'rps', label: 'req/s @50', digits: 0 },
    { metric: 'p50AtC50Ms', label: 'p50 @50 (ms)', digits: 2 },
    { metric: 'cpu', label: 'edge CPU (cores)', digits: 2 },
    { metric: 'checked', label: 'checked', stat: 'sum' },
    { metric: 'misrouted', label: 'misrouted', stat: 'sum' },
    { metric: 'failed', label: 'failed', stat: 'sum' },
    { metric: 'changesApplied', label: 'owner changes', stat: 'sum' },
    { metric: 'inFlightOldOwner', label: 'old owner, in flight', stat: 'sum' },
    { metric: 'oneRps', label: 'beside it: 1 route req/s', digits: 0 },
    { metric: 'oneCpu', label: '1 route CPU', digits: 2 },
    { metric: 'idleOnLoadCore', label: 'load core idle', digits: 2 },
  ],
  ratios: (s) => ({
    '10k routes / 1 route req/s, side by side': sideBySideRatio(s),
    '10k routes / 1 route req/s, one after the other': ratioOf(s, 'manyRoutes', 'oneRoute'),
  }),
  targets: [
    { label: '10k routes (1% churn) / 1 route req/s, side by side', value: (s) => sideBySideRatio(s)?.value, op: '>=', threshold: 0.95 },
    { label: 'misrouted responses (10k routes)', value: (s) => (s.manyRoutes?.misrouted?.sum ?? 0) + (s.sideBySide?.misrouted?.sum ?? 0), op: '==', threshold: 0 },
    { label: 'failed responses (every row)', value: (s) => peers.reduce((sum, peer) => sum + (s[peer.id]?.failed?.sum ?? 0), 0), op: '==', threshold: 0 },
  ],
};

/** The run's figures: a non-200 or a socket error is a failed response. */
function responseCounts(load, judged) {
  const check = load.check ?? { checked: 0, misrouted: 0, failed: 0 };
  return {
    rps: load.rps,
    p50AtC50Ms: load.latencyP50Ms,
    checked: check.checked,
    misrouted: check.misrouted + judged.misrouted,
    failed: check.failed + load.errors,
    inFlightOldOwner: judged.accepted,
  };
}

/** The side-by-side rows' 10k / 1 route requests/s: the median of the rounds' ratios, and the ratio of the medians. */
function sideBySideRatio(summaries) {
  const many = summaries.sideBySide?.rps;
  const one = summaries.sideBySide?.oneRps;
  if (many === undefined || one === undefined || !one.median) return undefined;
  return { value: summaries.sideBySide.pairRatio.median, ofMedians: many.median / one.median };
}

/**
 * One round of the two edges side by side: each loaded by its own wrk (50 connections, the same
 * script) for the same seconds, the 10,000-route one with its 1% of owners moving. The row's
 * `rps` and `cpu` are the 10,000-route edge's, `oneRps` and `oneCpu` the one-route edge's; the
 * disturbance is CPU on the edge core that neither edge used, or the hypervisor's steal if more.
 */
async function measureSideBySide(ctx, fixture, round) {
  // Its own copy of the owners: the moves it makes reach only this round's pair of edges, never
  // the long-lived 10,000-route edge of the row above.
  const state = { ports: fixture.ports, owners: new Map(fixture.owners), epochs: new Map(fixture.epochs), random: fixture.random };
  const one = await startEdge({ dir: ctx.dir, name: `side-one-route-${round}`, routes: [oneRoute(state.ports)] });
  const many = await startEdge({ dir: ctx.dir, name: `side-many-routes-${round}`, routes: manyRoutes(state) });
  try {
    return await loadSideBySide(ctx, state, round, one, many);
  } finally {
    await Promise.all([stopProcess(one.entry), stopProcess(many.entry)]);
  }
}

/** The pair's measurement; `state` is the round's copy of the owners. */
async function loadSideBySide(ctx, state, round, one, many) {
  const files = (id) => ({ data: join(ctx.dir, `side-${id}-hosts.txt`), records: join(ctx.dir, `side-${id}-records.txt`) });
  const oneFiles = files('one');
  const manyFiles = files('many');
  const wrk = (edge, { data, records }, durationS) => runWrk({ port: edge.port, connections: CONNECTIONS, durationS, script, scriptArgs: [data, records, String(round)] });
  writeFileSync(oneFiles.data, `one.bench.test ${OWNERS.join('|')}\n`);
  writeFileSync(manyFiles.data, hostLines(state.owners, new Map()));
  // New processes: twice the usual warm-up, at half a core each.
  await Promise.all([wrk(one, oneFiles, 2 * ctx.warmupS), wrk(many, manyFiles, 2 * ctx.warmupS)]);
  const changes = pickChanges(state);
  writeFileSync(manyFiles.data, hostLines(state.owners, changes));
  const churn = await startChurn(many.entry, changes, state, ctx.durationS * 1000);
  const groups = runningGroups();
  const before = cpuSnapshot(groups);
  const [oneLoad, manyLoad] = await Promise.all([wrk(one, oneFiles, ctx.durationS), wrk(many, manyFiles, ctx.durationS)]);
  const cpu = cpuBetween(before, cpuSnapshot(groups), { proxyGroup: many.entry.pid, proxyCpu: PROXY_CPU, loadCpu: LOAD_CPU });
  const timeline = await churn.applied;
  const judged = judgeMovingResponses(manyFiles.records, changes, timeline, manyLoad.check);
  const oneCpu = cpu.groupCores.get(one.entry.pid) ?? 0;
  const manyCounts = responseCounts(manyLoad, judged);
  const oneCounts = responseCounts(oneLoad, { misrouted: 0, accepted: 0 });
  return {
    ...manyCounts,
    checked: manyCounts.checked + oneCounts.checked,
    misrouted: manyCounts.misrouted + oneCounts.misrouted,
    failed: manyCounts.failed + oneCounts.failed,
    cpu: cpu.groupCores.get(many.entry.pid) ?? 0,
    oneRps: oneLoad.rps,
    oneCpu,
    pairRatio: manyLoad.rps / oneLoad.rps,
    idleOnLoadCore: cpu.idleOnLoadCore,
    disturbance: edgeCoreDisturbance(cpu, ctx.pinned, oneCpu),
    otherCores: cpu.otherCores,
    changesApplied: timeline.length,
  };
}

/** Every hostname's route as the fixture has it now (owners move from run to run). */
function manyRoutes(fixture) {
  return [...fixture.owners].map(([host, owner]) => routeTo(host, owner, fixture.ports[owner], fixture.epochs.get(host)));
}

/** The owners the run moved are the fixture's owners from now on. */
function applyChanges(fixture, changes) {
  for (const [host, change] of changes) {
    fixture.owners.set(host, change.to);
    fixture.epochs.set(host, change.epoch);
  }
}

/** 1% of the hostnames, each moving to the next upstream with its epoch one higher. */
function pickChanges(fixture) {
  const hosts = [...fixture.owners.keys()];
  const changes = new Map();
  while (changes.size < CHANGES_PER_RUN) {
    const host = hosts[Math.floor(fixture.random() * hosts.length)];
    if (changes.has(host)) continue;
    const from = fixture.owners.get(host);
    const to = OWNERS[(OWNERS.indexOf(from) + 1) % OWNERS.length];
    changes.set(host, { from, to, epoch: fixture.epochs.get(host) + 1 });
  }
  return changes;
}

/** The wrk script's data file: "host owner" per line, "host owner newOwner" for a moving host. */
function hostLines(owners, changes) {
  let text = '';
  for (const [host, owner] of owners) text += changes.has(host) ? `${host} ${owner} ${changes.get(host).to}\n` : `${host} ${owner}\n`;
  return text;
}
