#!/usr/bin/env node
// Runs Berth's benchmarks against their peers in one invocation and checks the targets.
//
//   npm run bench -- [scenario ...] [--quick] [--rounds N] [--duration S] [--no-fail] [--no-pin] [--nice N|--no-nice] [--profile]
//
// With no scenario named, all of them run. Exits 1 when a target is missed (unless --no-fail),
// 2 on a usage error or when a benchmark could not run. See bench/README.md.
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { killChildrenOnExit, setNiceness, setPinning, stopAll } from './lib/children.mjs';
import { peerVersions } from './lib/peer-proxies.mjs';
import { formatResult, writeResult } from './lib/report.mjs';
import { runScenario } from './lib/scenario.mjs';
import { scenarios } from './scenarios/index.mjs';

const usage = `usage: npm run bench -- [${Object.keys(scenarios).join('|')} ...] [--quick] [--rounds N] [--duration S] [--no-fail] [--no-pin] [--nice N|--no-nice] [--profile]
  --quick       a smoke run: 2 rounds of 1 s per peer
  --rounds N    rounds per scenario (default 5; at least 5 for figures worth quoting)
  --duration S  seconds of load per measurement (default: the scenario's, 5 s hot path, 8 s route table)
  --no-fail     report missed targets without failing
  --no-pin      do not pin processes to cores with taskset
  --nice N      run the benchmark's processes at nice N (default -5 as root: other work disturbs them less)
  --no-nice     run them at the normal priority
  --profile     run the edge under node --cpu-prof; profiles land in bench/results/profiles/`;

function parseArgs(argv) {
  const options = { names: [], quick: false, rounds: undefined, durationS: undefined, fail: true, pin: true, nice: -5, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--no-fail') options.fail = false;
    else if (arg === '--no-pin') options.pin = false;
    else if (arg === '--no-nice') options.nice = 0;
    else if (arg === '--nice') options.nice = Number(argv[++i]);
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--rounds') options.rounds = positiveInteger(arg, argv[++i]);
    else if (arg === '--duration') options.durationS = positiveInteger(arg, argv[++i]);
    else if (arg === '--help' || arg === '-h') exitWith(0, usage);
    else if (scenarios[arg] !== undefined) options.names.push(arg);
    else exitWith(2, `bench: unknown argument ${arg}\n${usage}`);
  }
  if (options.names.length === 0) options.names = Object.keys(scenarios);
  return options;
}

function positiveInteger(flag, value) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) exitWith(2, `bench: ${flag} needs a positive integer, got ${value}`);
  return number;
}

function exitWith(code, message) {
  (code === 0 ? console.log : console.error)(message);
  process.exit(code);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  killChildrenOnExit();
  setPinning(options.pin && availableParallelism() >= 2);
  if (!Number.isInteger(options.nice) || options.nice < -20 || options.nice > 19) exitWith(2, 'bench: --nice needs an integer from -20 to 19');
  // Only root may lower a nice value; anyone else runs at their own.
  const niceness = options.nice < 0 && process.getuid?.() !== 0 ? 0 : options.nice;
  setNiceness(niceness);
  const resultsDir = join(import.meta.dirname, 'results');
  const machine = {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model,
    node: process.version,
    pinned: options.pin && availableParallelism() >= 2,
    niceness,
    peers: await peerVersions(),
  };
  console.log(`bench: ${options.names.join(', ')} on ${machine.cpus} cores (${machine.cpuModel}), node ${machine.node}${machine.pinned ? ', proxy pinned to its own core' : ''}${niceness ? `, nice ${niceness}` : ''}`);
  let missed = 0;
  for (const name of options.names) {
    const scenario = scenarios[name].scenario;
    const defaults = scenarios[name].defaults;
    const run = {
      pinned: machine.pinned,
      rounds: options.rounds ?? (options.quick ? 2 : 5),
      durationS: options.durationS ?? (options.quick ? 1 : defaults.durationS),
      warmupS: 1,
      latencySamples: options.quick ? 300 : 3_000,
      // At a raised priority other work mostly yields to the run, so waiting for it matters less.
      quietWaitMs: options.quick || niceness < 0 ? 5_000 : 20_000,
      maxOtherCores: 0.1,
      maxAttempts: options.quick ? 1 : 3,
      profileDir: options.profile ? join(resultsDir, 'profiles') : undefined,
      progress: (line) => console.log(line),
    };
    console.log(`\n${name}: ${scenario.description}`);
    const result = await runScenario(scenario, run);
    console.log(`\n${formatResult(scenario, result)}`);
    console.log(`\nresult written to ${writeResult(result, machine, resultsDir)}`);
    missed += result.targets.filter((target) => !target.met).length;
  }
  if (missed > 0) {
    console.log(`\nbench: ${missed} target(s) missed${options.fail ? '' : ' (--no-fail: exiting 0)'}`);
    return options.fail ? 1 : 0;
  }
  console.log('\nbench: every target met');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (error) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll();
    process.exitCode = 2;
  },
);
