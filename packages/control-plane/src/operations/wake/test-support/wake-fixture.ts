import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '@berth/core';
import { eventually } from '@berth/testkit';
import type { ControlPlaneConfig } from '../../../control-plane.js';
import { sleepIdleEnvironments } from '../../../sleep/sleep-controller.js';
import { copyExample, deployFolder, startTestControlPlane, waitForDeployment, type Backend, type TestControlPlane } from '../../../testing/index.js';
import { WakeRunner } from './wake-runner.js';

/**
 * A control plane listening on loopback with a wake runner joined. The sleep loop runs hourly, so
 * tests put environments to sleep when they say (sleepNow) and a hot wake stays hot meanwhile.
 */
export interface WakePlane {
  t: TestControlPlane;
  runner: WakeRunner;
  /** Registers an edge through the API and returns its id and edge token. */
  edge(name: string): Promise<{ edgeId: string; token: string }>;
  /**
   * One pass of the sleep controller, as its loop runs it; `at` runs it as if it were that time
   * (to be past sleep_after without waiting for it), `edgeTimeoutMs` keeps edge reports fresh then.
   */
  sleepNow(options?: { at?: number; edgeTimeoutMs?: number }): Promise<string[]>;
  dispose(): Promise<void>;
}

export async function startWakePlane(backend: Backend, config: Partial<ControlPlaneConfig> = {}, clock?: Clock): Promise<WakePlane> {
  const t = await startTestControlPlane({ backend, config: { scheduleEveryMs: 100, sleepEveryMs: 3_600_000, ...config }, ...(clock ? { clock } : {}) });
  const api = await t.cp.listen('127.0.0.1', 0);
  const runner = await WakeRunner.join(t, api);
  return {
    t,
    runner,
    async edge(name) {
      const joinToken = await t.cp.createJoinToken(`edge-${name}`, 60_000);
      const res = await t.call('POST', '/api/edges/register', { token: null, body: { joinToken, name, transport: 'embedded', version: 'test' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { edgeId: res.body.edgeId, token: res.body.token };
    },
    sleepNow: (options = {}) => sleepIdleEnvironments({
      db: t.cp.db, clock: options.at === undefined ? (clock ?? { now: () => Date.now() }) : { now: () => options.at! }, engine: t.cp.engine,
      log: (line) => t.logs.push(line), edgeTimeoutMs: options.edgeTimeoutMs ?? 15_000,
    }),
    async dispose() {
      await runner.close();
      await t.close();
    },
  };
}

export interface SleepyApp {
  app: string;
  deploymentId: string;
  /** The preview environment the deploy got: it runs the app, and it is what these tests wake. */
  environmentId: string;
  previewHost: string;
}

/**
 * Deploys hello-node (creating the app unless it exists) as an app that may sleep (`[scale] min = 0`) with the given `[scale]` keys and
 * extra manifest text, and waits for its preview environment's first allocation to be ready.
 */
export async function deploySleepyApp(plane: WakePlane, app: string, scale: { sleepAfter?: string; wakeBudget?: string } = {}, extraToml = ''): Promise<SleepyApp> {
  const { t } = plane;
  const created = await t.call('POST', '/api/apps', { body: { name: app } });
  assert.ok(created.status === 201 || created.body.error?.code === 'name_taken', JSON.stringify(created.body));
  const copy = await copyExample('hello-node');
  try {
    await writeFile(join(copy.path, 'berth.toml'), [
      '[run]', 'command = "node server.js"', 'health = "/healthz"', '',
      '[scale]', 'min = 0', 'max = 1', `sleep_after = "${scale.sleepAfter ?? '10m'}"`, `wake_budget = "${scale.wakeBudget ?? '10s'}"`, '',
      extraToml,
    ].join('\n'));
    const res = await deployFolder(t, app, copy.path);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const d = await waitForDeployment(t, res.body.id, ['preview_ready', 'failed', 'blocked']);
    assert.equal(d.state, 'preview_ready', d.reason ?? '');
    const [env] = await t.cp.db.query<{ id: string }>('SELECT preview_environment_id AS id FROM deployments WHERE id = $1', [d.id]);
    await eventually(async () => (await liveAllocations(t, env!.id)).some((a) => a.state === 'ready'), { timeoutMs: 30_000, message: 'the preview\'s first allocation is ready' });
    return { app, deploymentId: d.id, environmentId: env!.id, previewHost: d.previewHost };
  } finally {
    await copy.remove();
  }
}

export async function liveAllocations(t: TestControlPlane, environmentId: string) {
  return t.cp.db.query<{ id: string; state: string; created_at: Date }>(
    "SELECT a.id, o.state, a.created_at FROM allocations a JOIN operations o ON o.id = a.operation_id WHERE a.environment_id = $1 AND o.role <> 'terminal' ORDER BY a.id",
    [environmentId],
  );
}

/**
 * Puts the app to sleep the way it happens in production, idle past its sleep_after (10 minutes by
 * default: the controller runs as if 11 minutes had passed), and waits for its allocations to drain.
 */
export async function putToSleep(plane: WakePlane, app: SleepyApp): Promise<void> {
  await eventually(async () => (await plane.sleepNow({ at: Date.now() + 11 * 60_000 })).includes(app.environmentId), { timeoutMs: 30_000, message: `${app.app} sleeps` });
  await eventually(async () => (await liveAllocations(plane.t, app.environmentId)).length === 0, { timeoutMs: 30_000, message: `${app.app}'s allocations drained` });
}

/** Polls a wake until `done` says so, through the edge API. */
export async function waitForWake(plane: WakePlane, token: string, wakeId: string, done: (w: any) => boolean = (w) => ['hot', 'failed', 'sleeping'].includes(w.state), timeoutMs = 60_000) {
  return eventually(async () => {
    const res = await plane.t.call('GET', `/api/edges/wakes/${wakeId}`, { token });
    return res.status === 200 && done(res.body) ? res.body : undefined;
  }, { timeoutMs, message: `wake ${wakeId} settled` });
}

export async function wakesOf(t: TestControlPlane, environmentId: string) {
  return t.cp.db.query<{ id: string; state: string; failure_mode: string | null }>("SELECT id, state, failure_mode FROM operations WHERE kind = 'wake' AND subject_id = $1 ORDER BY created_at, id", [environmentId]);
}
