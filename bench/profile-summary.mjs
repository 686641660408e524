#!/usr/bin/env node
// Where a proxy's time goes: reads a V8 .cpuprofile and prints self time per function and per
// file as a share of the busy (non-idle) time; with --requests N, also in µs per request.
//
//   node bench/profile-summary.mjs FILE.cpuprofile [--top 30] [--requests N]
import { largest, selfTimes } from './lib/cpu-profile.mjs';

const args = process.argv.slice(2);
const file = args.find((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const top = option('--top', 30);
const requests = option('--requests', undefined);
if (file === undefined) {
  console.error('usage: node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--requests N]');
  process.exit(2);
}

const { busyUs, idleUs, byFunction, byFile } = selfTimes(file);
const row = (us) => {
  const share = `${((100 * us) / busyUs).toFixed(1).padStart(5)}%`;
  return requests ? `${share} ${(us / requests).toFixed(2).padStart(6)} µs/req` : share;
};
console.log(`${file}: ${(busyUs / 1e6).toFixed(2)} s busy, ${(idleUs / 1e6).toFixed(2)} s idle${requests ? `, ${(busyUs / requests).toFixed(1)} µs of CPU per request` : ''}`);
console.log(`\nself time by function (top ${top}):`);
for (const [name, us] of largest(byFunction, top)) console.log(`  ${row(us)}  ${name}`);
console.log(`\nself time by file (top ${top}):`);
for (const [name, us] of largest(byFile, top)) console.log(`  ${row(us)}  ${name}`);
