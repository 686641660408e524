import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, tempDir } from '@berth/testkit';
import { deployFolder, examplesDir, startTestControlPlane, waitForDeployment, type TestControlPlane } from '@berth/control-plane/testing';
import { startRunnerProcess, type RunnerProcess } from './runner-harness.js';

/**
 * Worker health as the seeds describe it, on real processes: two `berth runner` hosts on this
 * machine, one SIGKILLed. Timeouts are shortened: heartbeats every 250 ms, offline after 4 s (slack for a loaded CI machine),
 * stuck jobs after 9 s.
 */
describe('worker health with two runners', () => {
  let t: TestControlPlane;
  let api: string;
  let dir: { path: string; remove: () => Promise<void> };
  const runners: RunnerProcess[] = [];
  let previewEnv: string;

  const hosts = async () => (await t.call('GET', '/api/hosts')).body.items as Array<{ id: string; name: string; status: string; connected: boolean }>;
  const allocs = async (all = false) => (await t.call('GET', `/api/apps/hello/allocations?env=${previewEnv}${all ? '&all=true' : ''}`)).body.items as Array<{ id: string; hostId: string; state: string; failureMode: string | null; reason: string | null }>;
  const hostId = async (name: string) => (await hosts()).find((h) => h.name === name)!.id;

  before(async () => {
    t = await startTestControlPlane({ config: { heartbeatMs: 250, heartbeatTimeoutMs: 4000, stuckJobTimeoutMs: 9000, scheduleEveryMs: 200 } });
    api = await t.cp.listen('127.0.0.1', 0);
    dir = await tempDir('berth-runners-');
    const joinToken = await t.cp.createJoinToken('test', 60_000);
    for (const name of ['r1', 'r2']) runners.push(startRunnerProcess({ api, join: joinToken, name, dataDir: join(dir.path, name) }));
    await eventually(async () => (await hosts()).filter((h) => h.connected && h.status === 'ready').length === 2, { timeoutMs: 30_000, message: 'both runners joined' });
    await t.call('POST', '/api/apps', { body: { name: 'hello' } });
    const d = await waitForDeployment(t, (await deployFolder(t, 'hello', join(examplesDir(), 'hello-node'))).body.id, ['preview_ready']);
    previewEnv = `preview-${d.shortId}`;
  });
  after(async () => {
    await Promise.all(runners.map((r) => r.kill('SIGTERM')));
    await t?.close();
    await dir?.remove();
  });

  test('allocations spread over both hosts and become ready', async () => {
    assert.equal((await t.call('PUT', `/api/apps/hello/environments/${previewEnv}/scale`, { body: { count: 2 } })).status, 200);
    const ready = await eventually(async () => {
      const live = (await allocs()).filter((a) => a.state === 'ready');
      return live.length === 2 ? live : undefined;
    }, { timeoutMs: 30_000, message: 'two ready allocations' });
    assert.equal(new Set(ready.map((a) => a.hostId)).size, 2, `one on each host: ${JSON.stringify(await allocs(true))} ${JSON.stringify(await hosts())}`);
  });

  test('SIGKILL a runner: its host goes offline, its allocation fails (runner crash), a replacement runs on the other; a job assigned to it fails after the stuck timeout; restarting it resurrects nothing', async () => {
    const r1 = await hostId('r1');
    const r2 = await hostId('r2');
    // Freeze r1 so that the next placement is sent to it but never started: a job assigned to r1.
    runners[0]!.child.kill('SIGSTOP');
    await t.call('POST', '/api/hosts/r2/cordon');
    await t.call('PUT', `/api/apps/hello/environments/${previewEnv}/scale`, { body: { count: 3 } });
    const job = await eventually(async () => (await allocs()).find((a) => a.hostId === r1 && a.state === 'planned'), { timeoutMs: 10_000, message: 'a job assigned to r1' });
    await t.call('POST', '/api/hosts/r2/uncordon');
    const lost = (await allocs()).find((a) => a.hostId === r1 && a.state === 'ready')!;
    await runners[0]!.kill('SIGKILL');

    // The killed runner's apps die with it: nothing of the lost allocation keeps running.
    await eventually(() => processesMentioning(lost.id).length === 0, { timeoutMs: 10_000, message: 'the lost allocation\'s processes are gone' });
    await eventually(async () => (await hosts()).find((h) => h.name === 'r1')?.status === 'offline', { timeoutMs: 10_000, message: 'r1 offline' });
    const failed = await eventually(async () => (await allocs(true)).find((a) => a.id === lost.id && a.state === 'failed'), { timeoutMs: 10_000, message: 'the lost allocation failed' });
    assert.equal(failed.failureMode, 'runner crash');
    // The job stays assigned until the stuck timeout, then fails and is not retried.
    assert.equal((await allocs(true)).find((a) => a.id === job.id)?.state, 'planned');
    const stuck = await eventually(async () => (await allocs(true)).find((a) => a.id === job.id && a.state === 'failed'), { timeoutMs: 15_000, message: 'the stuck job failed' });
    assert.match(stuck.reason ?? '', /not retried/);
    // The environment's replacements run on r2.
    await eventually(async () => (await allocs()).filter((a) => a.state === 'ready' && a.hostId === r2).length === 3, { timeoutMs: 30_000, message: 'replacements ready on r2' }).catch(async (error) => {
      const env = await t.cp.db.query('SELECT desired_count, run_status, run_status_reason FROM environments WHERE name = $1', [previewEnv]);
      throw new Error(`${(error as Error).message}: ${JSON.stringify(await allocs(true))} ${JSON.stringify(env)} ${JSON.stringify(await hosts())}`);
    });

    // r1 comes back: it rejoins, and nothing it ran before comes back to life.
    const before = new Set((await allocs(true)).filter((a) => a.hostId === r1).map((a) => a.id));
    runners[0] = startRunnerProcess({ api, join: await t.cp.createJoinToken('again', 60_000), name: 'r1', dataDir: join(dir.path, 'r1') });
    await eventually(async () => (await hosts()).find((h) => h.name === 'r1')?.connected, { timeoutMs: 30_000, message: 'r1 rejoined' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const all = await allocs(true);
    assert.equal(all.find((a) => a.id === lost.id)?.state, 'failed');
    assert.equal(all.find((a) => a.id === job.id)?.state, 'failed');
    // New placements may land on r1 again; what it ran before its crash stays failed.
    assert.deepEqual(all.filter((a) => before.has(a.id) && a.state !== 'failed').map((a) => `${a.id} ${a.state}`), [], 'nothing resurrected on r1');
  });

  test('a wrong or expired join token is refused with a clear error', async () => {
    const wrong = startRunnerProcess({ api, join: 'berth_join_not-a-real-token', name: 'bad', dataDir: join(dir.path, 'bad') });
    assert.equal(await wrong.exited, 3);
    assert.match(wrong.output.join('\n'), /join token is not valid/);
    const expiring = await t.cp.createJoinToken('short', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const expired = startRunnerProcess({ api, join: expiring, name: 'late', dataDir: join(dir.path, 'late') });
    assert.equal(await expired.exited, 3);
    assert.match(expired.output.join('\n'), /join token expired/);
  });
});

/** Pids whose command line names `text` (an allocation's folder carries its id). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

