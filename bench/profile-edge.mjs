#!/usr/bin/env node
// Profiles the edge under the hot-path load: the upstream, the edge under `node --cpu-prof` and
// wrk -t1 -c50, laid out on the cores as in the benchmark; then prints where the time went, in
// share of busy time and in µs of CPU per request.
//
//   node bench/profile-edge.mjs [--duration S] [--routes N] [--peer node-proxy] [--compare] [--nice N]
//
// --routes N serves N hostnames (spread over 4 upstream ports, a random Host per request) as the
// route-table benchmark does; the default is the hot path's single route. --peer node-proxy
// profiles the bare Node pipe proxy instead. --compare profiles both, one after the other, and
// prints per function the µs per request the edge spends beyond the bare proxy.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killChildrenOnExit, runToEnd, setNiceness, setPinning, stopAll, stopProcess } from './lib/children.mjs';
import { largest, selfTimes } from './lib/cpu-profile.mjs';
import { requireWrk } from './lib/peer-proxies.mjs';
import { routeTo, startEdge, startNodeProxy, startUpstream } from './lib/servers.mjs';
import { runWrk } from './lib/wrk.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const durationS = Number(option('--duration', 10));
const routeCount = Number(option('--routes', 1));
const peers = args.includes('--compare') ? ['edge', 'node-proxy'] : [option('--peer', 'edge')];
const dir = join(import.meta.dirname, 'results', 'profiles');
const owners = ['u0', 'u1', 'u2', 'u3'];
mkdirSync(dir, { recursive: true });

killChildrenOnExit();
setPinning(true);
setNiceness(process.getuid?.() === 0 ? Number(option('--nice', -5)) : 0);

/** Runs one peer under the profiler and load; returns its profile file and request count. */
async function profile(peer, upstream) {
  const hosts = Array.from({ length: routeCount }, (_, i) => `app-${i}.bench.test`);
  // The bare proxy forwards every Host to u0; the edge spreads hostnames over the owners.
  const ownerOf = (i) => (peer === 'node-proxy' ? 'u0' : owners[i % owners.length]);
  const name = peer === 'node-proxy' ? 'node-proxy' : `edge-${routeCount}-routes`;
  const server =
    peer === 'node-proxy'
      ? await startNodeProxy({ upstreamPort: upstream.ports.u0, profileDir: dir })
      : await startEdge({ dir, name, routes: hosts.map((host, i) => routeTo(host, ownerOf(i), upstream.ports[ownerOf(i)])), profileDir: dir });
  const dataFile = join(dir, `${name}-hosts.txt`);
  writeFileSync(dataFile, hosts.map((host, i) => `${host} ${ownerOf(i)}\n`).join(''));
  const script = join(import.meta.dirname, 'lua', 'route-check.lua');
  const load = await runWrk({ port: server.port, connections: 50, durationS, script, scriptArgs: [dataFile, join(dir, `${name}-records.txt`), '1'] });
  if (load.check?.misrouted || load.check?.failed || load.errors) throw new Error(`${name}: bad responses under load: ${JSON.stringify(load.check)}, ${load.errors} socket errors`);
  console.log(`${name}: ${Math.round(load.rps)} req/s at 50 connections, ${load.requests} requests`);
  await stopProcess(server.entry, 10_000);
  const written = readdirSync(dir).filter((file) => file.startsWith(name) && file.endsWith('.cpuprofile')).sort().at(-1);
  if (written === undefined) throw new Error(`${name} wrote no profile into ${dir}`);
  return { name, file: join(dir, written), requests: load.requests };
}

try {
  await requireWrk();
  const upstream = await startUpstream(owners);
  const profiles = [];
  for (const peer of peers) profiles.push(await profile(peer, upstream));
  if (profiles.length === 1) {
    const [{ file, requests }] = profiles;
    const summary = await runToEnd('profile-summary', process.execPath, [join(import.meta.dirname, 'profile-summary.mjs'), file, '--top', '25', '--requests', String(requests)]);
    console.log(summary.stdout);
  } else {
    printComparison(profiles);
  }
} finally {
  await stopAll();
}

/** Per function: µs of CPU per request in each profile, largest extra cost of the first first. */
function printComparison([a, b]) {
  const [ta, tb] = [selfTimes(a.file), selfTimes(b.file)];
  console.log(`\nCPU per request: ${a.name} ${(ta.busyUs / a.requests).toFixed(1)} µs, ${b.name} ${(tb.busyUs / b.requests).toFixed(1)} µs`);
  console.log(`(${a.file}\n ${b.file})`);
  const names = new Set([...ta.byFunction.keys(), ...tb.byFunction.keys()]);
  const extra = new Map([...names].map((name) => [name, (ta.byFunction.get(name) ?? 0) / a.requests - (tb.byFunction.get(name) ?? 0) / b.requests]));
  console.log(`\n  extra   ${a.name.padStart(8)} ${b.name.padStart(10)}  µs/req, function (top 30 by extra cost)`);
  for (const [name, us] of largest(extra, 30)) {
    const own = (ta.byFunction.get(name) ?? 0) / a.requests;
    const base = (tb.byFunction.get(name) ?? 0) / b.requests;
    console.log(`  ${us.toFixed(2).padStart(5)}  ${own.toFixed(2).padStart(8)} ${base.toFixed(2).padStart(10)}  ${name}`);
  }
}
