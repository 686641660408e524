// The shape every benchmark shares: a scenario is a set of peers and a measure function. The
// runner starts the scenario's fixture and its peers once, then measures them interleaved,
// round after round (round r: peer A, B, C, ...), so a drift in the machine's speed touches every
// peer alike; it then takes each metric's median over the rounds and checks the targets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAll, stopProcess } from './children.mjs';
import { waitForQuiet } from './quiet.mjs';
import { summarize } from './stats.mjs';

/**
 * @typedef {object} Peer
 * @property {string} id
 * @property {string} label
 * @property {(ctx: RunContext, fixture: any) => Promise<{ port: number, entry?: import('./children.mjs').Running }>} start
 *
 * @typedef {object} Target
 * @property {string} label   what is compared, e.g. "edge / Caddy requests/s"
 * @property {(summaries: Record<string, any>) => number | undefined} value
 * @property {'>=' | '<' | '=='} op
 * @property {number} threshold
 *
 * @typedef {object} Scenario
 * @property {string} name
 * @property {string} description
 * @property {(ctx: RunContext) => Promise<any>} setup   starts what all peers share (the upstream)
 * @property {Peer[]} peers
 * @property {(peer: Peer, server: { port: number }, ctx: RunContext, fixture: any, round: number) => Promise<Record<string, number>>} measure
 *   its figures for one peer in one round; a `disturbance` among them (see measureCpu) makes the
 *   runner measure again when other work took too much CPU
 * @property {Array<{ metric: string, label: string, digits?: number, stat?: 'median' | 'sum' }>} columns
 * @property {(summaries: Record<string, any>) => Record<string, number | undefined>} [ratios]
 * @property {Target[]} targets
 * @property {string[]} [cumulative]  metrics summed over every attempt of a measurement, kept or not
 *
 * @typedef {object} RunContext
 * @property {string} dir        a temp dir for configs and data files, removed afterwards
 * @property {number} rounds
 * @property {number} durationS  seconds of load per measurement
 * @property {number} warmupS
 * @property {number} latencySamples
 * @property {string | undefined} profileDir
 * @property {number} quietWaitMs  how long to wait for other work on the machine to settle before a measurement
 * @property {number} maxOtherCores  CPU (in cores) other processes may use during a measurement before it is taken again
 * @property {number} maxAttempts  measurements taken at most for one peer in one round
 * @property {boolean} pinned  whether the proxy runs alone on its core (see layout.mjs)
 * @property {(line: string) => void} progress
 */

/** Runs one scenario to its result object; every process it started is stopped before it returns. */
export async function runScenario(scenario, options) {
  const dir = mkdtempSync(join(tmpdir(), `berth-bench-${scenario.name}-`));
  // Also on an interrupted run, which exits from its signal handler without unwinding to here.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  const ctx = { ...options, dir };
  const started = {};
  const rounds = Object.fromEntries(scenario.peers.map((peer) => [peer.id, []]));
  const startedAt = new Date();
  try {
    const fixture = await scenario.setup(ctx);
    for (const peer of scenario.peers) started[peer.id] = await peer.start(ctx, fixture);
    for (let round = 1; round <= ctx.rounds; round++) {
      for (const peer of scenario.peers) {
        const metrics = await measureUndisturbed(() => scenario.measure(peer, started[peer.id], ctx, fixture, round), ctx, scenario.cumulative ?? []);
        rounds[peer.id].push(metrics);
        ctx.progress(`  ${scenario.name} round ${round}/${ctx.rounds} ${peer.label.padEnd(22)} ${describe(metrics)}`);
      }
    }
  } finally {
    // Peers first, so a profiled edge writes its profile before the run ends.
    await Promise.all(Object.values(started).map((server) => (server.entry ? stopProcess(server.entry) : undefined)));
    await stopAll();
    removeDir();
    process.off('exit', removeDir);
  }
  const summaries = Object.fromEntries(Object.entries(rounds).map(([id, values]) => [id, summarize(values)]));
  const ratios = scenario.ratios?.(summaries) ?? {};
  const targets = scenario.targets.map((target) => {
    const value = target.value(summaries);
    return { label: target.label, op: target.op, threshold: target.threshold, value, met: value !== undefined && compare(value, target.op, target.threshold) };
  });
  return {
    scenario: scenario.name,
    description: scenario.description,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settings: { rounds: ctx.rounds, durationS: ctx.durationS, warmupS: ctx.warmupS, latencySamples: ctx.latencySamples },
    peers: Object.fromEntries(scenario.peers.map((peer) => [peer.id, { label: peer.label, rounds: rounds[peer.id], summary: summaries[peer.id] }])),
    ratios,
    targets,
    passed: targets.every((target) => target.met),
  };
}

/**
 * Other work on the machine (a build, a test suite) takes CPU from the peer being measured. Each
 * measurement waits (a while) for a quiet machine, and is taken again (up to `maxAttempts` times
 * in all) when the `disturbance` it reports (cores taken by other work, see measureCpu) exceeded
 * `maxOtherCores`; the least disturbed attempt is kept with its `attempts`, and the scenario's
 * `cumulative` counts are summed over all attempts.
 */
async function measureUndisturbed(measure, ctx, cumulative) {
  let best;
  for (let attempt = 1; attempt <= ctx.maxAttempts; attempt++) {
    await waitForQuiet({
      maxWaitMs: ctx.quietWaitMs,
      onWait: (busy) => ctx.progress(`  (machine ${Math.round(busy * 100)}% busy with other work: waiting up to ${ctx.quietWaitMs / 1000} s)`),
    });
    const metrics = await measure();
    const disturbance = metrics.disturbance ?? 0;
    // Counts that must never be lost to a retry (misrouted responses) add up over all attempts.
    const carried = Object.fromEntries(cumulative.map((name) => [name, (best?.[name] ?? 0) + (metrics[name] ?? 0)]));
    if (best === undefined || disturbance < (best.disturbance ?? 0)) best = { ...metrics };
    Object.assign(best, carried, { attempts: attempt });
    if (disturbance <= ctx.maxOtherCores || attempt === ctx.maxAttempts) break;
    ctx.progress(`  (other work or the hypervisor took ${disturbance.toFixed(2)} cores from the measurement: measuring again)`);
  }
  return best;
}

function compare(value, op, threshold) {
  if (op === '>=') return value >= threshold;
  if (op === '<') return value < threshold;
  return value === threshold;
}

const unlisted = new Set(['otherCores']);

function describe(metrics) {
  return Object.entries(metrics)
    .filter(([name, value]) => !unlisted.has(name) && value !== undefined)
    .map(([name, value]) => `${name}=${Number.isInteger(value) ? value : value.toFixed(1)}`)
    .join(' ');
}
