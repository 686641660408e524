// Route table: the edge with 10,000 hostnames, a random Host per request and 1% of the owners
// changing during each measurement, against the same edge with one route. Every response is
// checked against the owner its host had (see route-check.lua and misroute-check.mjs).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureCpu } from '../lib/cpu-accounting.mjs';
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
    start: (ctx, fixture) => {
      const routes = [...fixture.owners].map(([host, owner]) => routeTo(host, owner, fixture.ports[owner], fixture.epochs.get(host)));
      return startEdge({ dir: ctx.dir, name: 'edge-many-routes', routes, profileDir: ctx.profileDir });
    },
  },
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
    for (const [host, change] of changes) {
      fixture.owners.set(host, change.to);
      fixture.epochs.set(host, change.epoch);
    }
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
  ],
  ratios: (s) => ({ '10k routes / 1 route req/s': ratioOf(s, 'manyRoutes', 'oneRoute') }),
  targets: [
    { label: '10k routes (1% churn) / 1 route req/s', value: (s) => ratioOf(s, 'manyRoutes', 'oneRoute')?.value, op: '>=', threshold: 0.95 },
    { label: 'misrouted responses (10k routes)', value: (s) => s.manyRoutes?.misrouted?.sum, op: '==', threshold: 0 },
    { label: 'failed responses (both configs)', value: (s) => (s.manyRoutes?.failed?.sum ?? 0) + (s.oneRoute?.failed?.sum ?? 0), op: '==', threshold: 0 },
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
