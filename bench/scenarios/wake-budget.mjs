// Budget exhaustion: a sleeping app whose readiness never passes (its health path answers 503:
// the environment binds the secret BENCH_NEVER_READY=1, which the app reads at start), 200 GETs
// held through a real `berth edge` with `[scale] wake_budget = "5s"`: every one must be answered
// 503 with Retry-After within the budget + 100 ms, and the wake must start exactly one
// allocation. The reference row is one held GET in the same run.
import { join } from 'node:path';
import { deployApp, environmentCounts, measureAroundEdges, putToSleep, startBerthEdge, startControlPlane, startRunner, until, waitHot } from '../lib/berth-stack.mjs';
import { writeBenchApp } from '../lib/bench-app.mjs';
import { spread } from '../lib/percentiles.mjs';
import { burst } from '../lib/wake-clients.mjs';

const EDGE = 'edge-budget';
const BUDGET_MS = 5_000;
const HELD = 200;
const APP = 'budget-bench';

/** @type {import('../lib/scenario.mjs').Peer[]} */
const peers = [
  { id: 'one', label: '1 held GET', start: async (_ctx, f) => ({ port: f.edge.port, entry: f.edge.entry }) },
  { id: 'held', label: `${HELD} held GETs`, start: async (_ctx, f) => ({ port: f.edge.port, entry: f.edge.entry }) },
];

/** @type {import('../lib/scenario.mjs').Scenario} */
export const wakeBudget = {
  name: 'wake-budget',
  description: `Budget exhaustion: readiness never passes, ${HELD} GETs held with a ${BUDGET_MS / 1000} s wake budget: 503 + Retry-After for each within the budget + 100 ms, one allocation attempt`,
  async setup(ctx) {
    // The wake itself gives up 8 s after it began (the readiness timeout, never below the budget):
    // held requests get their 503 at the budget, before the wake fails, and the run moves on.
    // Every round's attempt fails readiness by design: a crash window of 1 s keeps those failures
    // from adding up into the scheduler's crash-loop back-off (1 s, 2 s, 4 s, ... before the next
    // placement), which from the third round held the next wake's allocation past its deadline.
    const cp = await startControlPlane({ wakesPerMinute: 1_000_000, crashLimit: 1_000, crashWindowMs: 1_000, wakeReadinessTimeoutMs: 8_000 });
    await startRunner(cp, ctx.dir);
    const edge = await startBerthEdge(cp, { name: EDGE, dir: ctx.dir, profileDir: ctx.profileDir });
    await cp.api('POST', '/api/apps', { name: APP }, [201]);
    const secret = (value) => cp.api('PUT', `/api/apps/${APP}/environments/production/secrets/BENCH_NEVER_READY`, { value });
    await secret('0');
    const deployment = await deployApp(cp, APP, writeBenchApp(join(ctx.dir, 'app'), { wakeBudget: `${BUDGET_MS / 1000}s`, neverReadySecret: true }));
    await waitHot(cp, deployment.environmentId, [EDGE]);
    // From now on every allocation the app gets starts with readiness that never passes.
    await secret('1');
    ctx.progress(`  deployed ${deployment.id} as ${deployment.host}; its next allocations never pass readiness`);
    return { cp, edge, deployment };
  },
  peers,
  async measure(peer, _server, ctx, fixture) {
    const { cp, edge, deployment } = fixture;
    const env = deployment.environmentId;
    await putToSleep(cp, env, [EDGE]);
    const before = await environmentCounts(cp, env);
    const { result: answer, disturbance, otherCores } = await measureAroundEdges([edge], ctx.pinned, () => burst({ targets: [{ port: edge.port, count: peer.id === 'one' ? 1 : HELD }], host: deployment.host }));
    // The attempt is counted once the wake has ended (failed with readiness timeout, app back asleep).
    await until(async () => (await cp.query("SELECT count(*)::int AS n FROM operations WHERE kind = 'wake' AND subject_id = $1 AND role = 'active'", [env]))[0].n === 0, 60_000, () => 'the wake did not end');
    const after = await environmentCounts(cp, env);
    const [wake] = await cp.query("SELECT state, failure_mode FROM operations WHERE kind = 'wake' AND subject_id = $1 ORDER BY created_at DESC LIMIT 1", [env]);
    const times = answer.results.map((result) => result.ms);
    // Held to the budget: a 503 app_waking with Retry-After, no earlier than 100 ms before the
    // budget and no later than 100 ms after it.
    const good = answer.results.filter((result) => result.status === 503 && result.retryAfter !== null && result.code === 'app_waking' && Math.abs(result.ms - BUDGET_MS) <= 100);
    const codes = {};
    for (const result of answer.results) codes[result.code ?? String(result.status)] = (codes[result.code ?? String(result.status)] ?? 0) + 1;
    const own = spread(times);
    return {
      minMs: Math.min(...times), p50Ms: own.p50, maxMs: own.max, overBudgetMs: own.max - BUDGET_MS,
      answered: times.length, within: good.length, outside: times.length - good.length,
      wakes: after.wakes - before.wakes, allocationAttempts: after.allocations - before.allocations,
      wrongAttempts: after.allocations - before.allocations === 1 ? 0 : 1,
      readinessTimeouts: wake?.failure_mode === 'readiness timeout' ? 1 : 0,
      appWaking: codes.app_waking ?? 0, wakeFailed: codes.wake_failed ?? 0, disturbance, otherCores,
    };
  },
  cumulative: ['outside', 'wrongAttempts'],
  columns: [
    { metric: 'minMs', label: 'min (ms)', digits: 0 },
    { metric: 'p50Ms', label: 'p50 (ms)', digits: 0 },
    { metric: 'maxMs', label: 'max (ms)', digits: 0 },
    { metric: 'overBudgetMs', label: 'max - budget (ms)', digits: 1, stat: 'max' },
    { metric: 'answered', label: 'answers', stat: 'sum' },
    { metric: 'within', label: '503+Retry-After in time', stat: 'sum' },
    { metric: 'outside', label: 'other', stat: 'sum' },
    { metric: 'appWaking', label: 'app_waking', stat: 'sum' },
    { metric: 'wakeFailed', label: 'wake_failed', stat: 'sum' },
    { metric: 'allocationAttempts', label: 'alloc attempts', stat: 'sum' },
    { metric: 'wrongAttempts', label: 'rounds != 1 attempt', stat: 'sum' },
    { metric: 'readinessTimeouts', label: 'wakes failed: readiness timeout', stat: 'sum' },
  ],
  targets: [
    { label: 'answers not 503 app_waking + Retry-After at the budget (±100 ms)', value: (s) => (s.one?.outside?.sum ?? 0) + (s.held?.outside?.sum ?? 0), op: '==', threshold: 0 },
    { label: 'latest answer past the budget, worst round (ms)', value: (s) => Math.max(s.one?.overBudgetMs?.max ?? -Infinity, s.held?.overBudgetMs?.max ?? -Infinity), op: '<', threshold: 100 },
    { label: 'rounds whose wake did not start exactly 1 allocation', value: (s) => (s.one?.wrongAttempts?.sum ?? 0) + (s.held?.wrongAttempts?.sum ?? 0), op: '==', threshold: 0 },
  ],
};
