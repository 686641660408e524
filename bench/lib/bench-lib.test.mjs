// Checks of the parts of the benchmark that decide a verdict without a server: reading wrk's
// output and the rule that judges responses of moving hosts. Run with `node --test bench/lib/`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cpuBetween, edgeCoreDisturbance } from './cpu-accounting.mjs';
import { judgeMovingResponses } from './route-churn.mjs';
import { median, ratioOf, summarize } from './stats.mjs';
import { parseWrk } from './wrk.mjs';

const wrkOutput = `Running 5s test @ http://127.0.0.1:4000/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.41ms  410.00us  12.00ms   90.00%
  Latency Distribution
     50%    2.33ms
     75%    2.50ms
     90%    2.80ms
     99%    4.10ms
  100500 requests in 5.00s, 20.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  20100.55
Transfer/sec:      4.00MB
BENCH_CHECK {"checked":100493,"misrouted":0,"failed":7,"recorded":12}
`;

test('wrk output: rate, median latency, errors and the Lua check', () => {
  const parsed = parseWrk(wrkOutput);
  assert.equal(parsed.rps, 20100.55);
  assert.equal(parsed.latencyP50Ms, 2.33);
  assert.equal(parsed.requests, 100500);
  assert.equal(parsed.errors, 3);
  assert.equal(parsed.non2xx, 7);
  assert.deepEqual(parsed.check, { checked: 100493, misrouted: 0, failed: 7, recorded: 12 });
  assert.equal(parseWrk(wrkOutput.replace('50%    2.33ms', '50%  900.00us')).latencyP50Ms, 0.9);
});

test('moving hosts: old owner until the change, new owner after, anything else misrouted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lib-'));
  try {
    const changes = new Map([['a.test', { from: 'u0', to: 'u1', epoch: 2 }]]);
    const timeline = [{ hostname: 'a.test', epoch: 2, beforeUs: 1_000, afterUs: 1_010 }];
    const records = [
      'a.test u0 900 950', // old owner, sent and answered before the change: fine
      'a.test u0 990 1100', // old owner, in flight across the change: fine, counted as accepted
      'a.test u1 1020 1050', // new owner after the change: fine
      'a.test u1 1005 1020', // new owner, sent during the change: fine
      'a.test u0 1020 1060', // old owner for a request sent after the change: misrouted
      'a.test u1 900 950', // new owner answering before the change began: misrouted
      'a.test u2 1020 1050', // a third upstream: misrouted
    ];
    const file = join(dir, 'records.txt');
    writeFileSync(file, `${records.join('\n')}\n`);
    const judged = judgeMovingResponses(file, changes, timeline, { recorded: records.length });
    assert.deepEqual(judged, { misrouted: 3, accepted: 1, judged: records.length });
    assert.throws(() => judgeMovingResponses(file, changes, timeline, { recorded: records.length + 1 }), /recorded 8/);
    assert.throws(() => judgeMovingResponses(file, changes, [], { recorded: records.length }), /applied 0 of 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('medians and summaries over rounds', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  const summary = summarize([{ rps: 10, misrouted: 0 }, { rps: 30, misrouted: 1 }, { rps: 20, misrouted: 0 }]);
  assert.equal(summary.rps.median, 20);
  assert.equal(summary.misrouted.sum, 1);
});

test('ratios: per round, then the median; and of the medians', () => {
  const summaries = {
    edge: summarize([{ rps: 10 }, { rps: 20 }, { rps: 30 }]),
    peer: summarize([{ rps: 10 }, { rps: 10 }, { rps: 40 }]),
  };
  const ratio = ratioOf(summaries, 'edge', 'peer');
  assert.equal(ratio.value, 1); // 1, 2, 0.75
  assert.equal(ratio.ofMedians, 2); // 20 / 10
  assert.equal(ratioOf(summaries, 'edge', 'missing'), undefined);
});

test('disturbance: other work on the edge core beside the edges measured, or the hypervisor\'s steal if more', () => {
  // Two snapshots 1 s apart (100 ticks a second): core 1 (the edge core) busy 90 ticks, 40 of
  // them the proxy group; the machine stole 5 ticks, then 30.
  const snapshot = (at, edgeBusy, steal) => ({
    at, self: 0, byGroup: new Map([[7, at === 0 ? 0 : 40]]),
    cores: [{ busy: edgeBusy, idle: 0, steal }, { busy: 0, idle: 0, steal: 0 }, { busy: edgeBusy, idle: 0, steal: 0 }],
  });
  const quiet = cpuBetween(snapshot(0, 0, 0), snapshot(1_000, 90, 5), { proxyGroup: 7, proxyCpu: 1, loadCpu: 0 });
  assert.equal(quiet.stolenCores, 0.05);
  // 0.5 core of other work on the edge core, of which 0.45 is a second edge being measured.
  assert.ok(Math.abs(edgeCoreDisturbance(quiet, true, 0.45) - 0.05) < 1e-9);
  assert.ok(Math.abs(edgeCoreDisturbance(quiet, true, 0) - 0.5) < 1e-9);
  const stolen = cpuBetween(snapshot(0, 0, 0), snapshot(1_000, 90, 30), { proxyGroup: 7, proxyCpu: 1, loadCpu: 0 });
  assert.ok(Math.abs(edgeCoreDisturbance(stolen, true, 0.45) - 0.3) < 1e-9, 'the steal is more');
});
