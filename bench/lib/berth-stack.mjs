// The whole platform for the benchmarks of sleep and wake, assets and propagation: a real control
// plane (servers/control-plane.mjs, on a fresh PGlite store), a real `berth runner` child (the
// process driver) and real `berth edge` children, all over loopback, each its own process.
//
// Layout on the 2-core machine, as for the proxies: the edges get core 1 (PROXY_CPU) to
// themselves; the control plane, the runner (and so every app it starts: CPU affinity is
// inherited), the load clients and the direct floor share core 0. The runner's apps are in process
// groups of their own, so the CPU accounting counts them as other work on core 0 only, never on
// the edge's core.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, runningGroups, startProcess, waitForPort } from './children.mjs';
import { cpuBetween, cpuSnapshot, edgeCoreDisturbance } from './cpu-accounting.mjs';
import { LOAD_CPU, PROXY_CPU } from './layout.mjs';

const berth = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'berth.js');
const controlPlaneServer = join(import.meta.dirname, '..', 'servers', 'control-plane.mjs');

/** How long the platform may take for things a benchmark waits on between measurements. */
const settleMs = 60_000;

/**
 * Starts the control plane child and returns its URL, route key and `rpc(op, args)`.
 * @param {Record<string, unknown>} config  Partial<ControlPlaneConfig>
 * @param {{ cpu?: number | null }} [placement]  its core (core 0 unless told; null: not pinned)
 */
export async function startControlPlane(config = {}, placement = {}) {
  const cpu = placement.cpu === undefined ? LOAD_CPU : placement.cpu ?? undefined;
  const entry = startProcess('control-plane', process.execPath, [controlPlaneServer, JSON.stringify(config)], { cpu, ipc: true });
  const pending = new Map();
  let nextId = 1;
  const ready = new Promise((resolve, reject) => {
    entry.child.on('message', (message) => {
      if (message?.type === 'ready') return resolve(message);
      const waiting = pending.get(message?.id);
      if (waiting === undefined) return;
      pending.delete(message.id);
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new Error(`control plane ${waiting.op}: ${message.error}`));
    });
    void entry.exited.then(({ code, signal }) => {
      const error = new Error(`the control plane exited (${code ?? signal}):\n${entry.output()}`);
      reject(error);
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    });
  });
  const { url, routeKey } = await withTimeout(ready, 60_000, () => `the control plane did not start:\n${entry.output()}`);
  const rpc = (op, args = {}) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject, op });
    entry.child.send({ id, op, args });
  });
  /** The HTTP API as the admin; throws unless the status is one of `ok`. */
  const api = async (method, path, body, ok = [200, 201, 202, 204]) => {
    const res = await rpc('call', { method, url: path, body });
    if (!ok.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return { url, routeKey, entry, rpc, api, query: (sql, params) => rpc('query', { sql, params }) };
}

/** A real `berth runner` joined to the control plane (process driver), on core 0; resolves once the host is connected. */
export async function startRunner(cp, dir) {
  const joinToken = await cp.rpc('joinToken', { name: 'bench-runner' });
  const entry = startProcess('berth-runner', process.execPath, [berth, 'runner', '--api', cp.url, '--join', joinToken, '--name', 'bench', '--data-dir', join(dir, 'runner')], {
    cpu: LOAD_CPU, env: { NO_COLOR: '1' },
  });
  await until(async () => (await cp.api('GET', '/api/hosts')).items.some((host) => host.connected), 30_000, () => `the runner did not join:\n${entry.output()}`, entry);
  return entry;
}

/**
 * A real `berth edge` (one Node process) on core 1, registered with the control plane, following
 * its embedded feed or, with `nats`, a JetStream stream. Resolves once it serves on its port.
 * @param {{ name: string, dir: string, nats?: { url: string, stream: string, subject: string }, profileDir?: string }} options
 */
export async function startBerthEdge(cp, options) {
  const joinToken = await cp.rpc('joinToken', { name: `edge-${options.name}` });
  const port = await freePort();
  const nats = options.nats ? ['--nats-url', options.nats.url, '--nats-stream', options.nats.stream, '--nats-subject', options.nats.subject] : [];
  const flags = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${options.name}-${Date.now()}.cpuprofile`] : [];
  const entry = startProcess(options.name, process.execPath, [
    ...flags, berth, 'edge', '--api', cp.url, '--join', joinToken, '--name', options.name, '--data-dir', join(options.dir, options.name),
    '--port', String(port), '--route-key', cp.routeKey, ...nats,
  ], { cpu: PROXY_CPU, env: { NO_COLOR: '1' } });
  await waitForPort(port, entry, 30_000);
  await until(async () => (await cp.api('GET', `/api/edges/${options.name}`, undefined, [200, 404])).appliedSeq >= 0, 30_000, () => `edge ${options.name} did not register:\n${entry.output()}`, entry);
  return { port, entry, name: options.name };
}

/** Waits until every edge has applied the whole route event log (so a change is in every edge's table). */
export async function edgesCaughtUp(cp, names) {
  await until(async () => {
    const { lastSeq } = await cp.api('GET', '/api/route-feed');
    const edges = await Promise.all(names.map((name) => cp.api('GET', `/api/edges/${name}`)));
    return edges.every((edge) => edge.appliedSeq >= lastSeq);
  }, settleMs, () => `edges ${names.join(', ')} did not apply the route feed`);
}

/** Creates the app (unless it exists) and deploys `folder` to it; returns the deployment at preview_ready. */
export async function deployApp(cp, app, folder) {
  await cp.api('POST', '/api/apps', { name: app }, [201, 409]);
  const deployment = await cp.rpc('deploy', { app, folder });
  if (deployment.state !== 'preview_ready') throw new Error(`deploying ${app} ended ${deployment.state}: ${deployment.reason ?? ''}`);
  const [row] = await cp.query('SELECT preview_environment_id AS id FROM deployments WHERE id = $1', [deployment.id]);
  return { ...deployment, environmentId: row.id, host: deployment.previewHost };
}

/** Allocations of the environment that have not finished, with their states. */
export function liveAllocations(cp, environmentId) {
  return cp.query("SELECT a.id, o.state FROM allocations a JOIN operations o ON o.id = a.operation_id WHERE a.environment_id = $1 AND o.role <> 'terminal' ORDER BY a.id", [environmentId]);
}

/** How many wake operations and allocations the environment has had so far. */
export async function environmentCounts(cp, environmentId) {
  const [row] = await cp.query(
    `SELECT (SELECT count(*)::int FROM operations WHERE kind = 'wake' AND subject_id = $1) AS wakes,
            (SELECT count(*)::int FROM allocations WHERE environment_id = $1) AS allocations`,
    [environmentId],
  );
  return row;
}

/** Waits until the environment has a ready allocation and every edge has applied it. */
export async function waitHot(cp, environmentId, edgeNames) {
  await until(async () => (await liveAllocations(cp, environmentId)).some((a) => a.state === 'ready'), settleMs, () => `${environmentId} did not become ready`);
  await edgesCaughtUp(cp, edgeNames);
}

/**
 * Puts the environment to sleep the way the sleep controller does after `sleep_after` with no
 * request (one controller pass run as if `aheadMs` had passed), then waits until its allocations
 * are gone, no wake is active, and every edge has applied the `target.down`: the route is cold.
 */
export async function putToSleep(cp, environmentId, edgeNames, aheadMs = 3_600_000) {
  await until(async () => {
    const [env] = await cp.query('SELECT sleep_state, desired_count FROM environments WHERE id = $1', [environmentId]);
    if (env.sleep_state === 'sleeping' && env.desired_count === 0) return true;
    await cp.rpc('sleepNow', { aheadMs });
    return false;
  }, settleMs, () => `${environmentId} did not go to sleep`);
  await until(async () => (await liveAllocations(cp, environmentId)).length === 0, settleMs, () => `${environmentId}'s allocations did not drain`);
  await until(async () => (await cp.query("SELECT count(*)::int AS n FROM operations WHERE kind = 'wake' AND subject_id = $1 AND role = 'active'", [environmentId]))[0].n === 0, settleMs, () => `a wake of ${environmentId} is still active`);
  await edgesCaughtUp(cp, edgeNames);
}

/** The timeline of the environment's latest wake and of the allocation it started, as ms after the wake was created. */
export async function latestWakeTimeline(cp, environmentId) {
  const [wake] = await cp.query("SELECT id, state, created_at, output FROM operations WHERE kind = 'wake' AND subject_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1", [environmentId]);
  if (wake === undefined) return undefined;
  const origin = Date.parse(wake.created_at);
  const events = async (operationId) => (await cp.query('SELECT at, to_state FROM operation_events WHERE operation_id = $1 ORDER BY seq', [operationId]))
    .map((event) => ({ state: event.to_state, atMs: Date.parse(event.at) - origin }));
  // The wake names its allocation once its own step has seen it placed (it looks every 100 ms);
  // the answer can come first, so until then the environment's first allocation since the wake
  // began is the one it started.
  const allocationId = wake.output?.allocationId;
  const [allocation] = allocationId
    ? await cp.query('SELECT operation_id, created_at FROM allocations WHERE id = $1', [allocationId])
    : await cp.query('SELECT operation_id, created_at FROM allocations WHERE environment_id = $1 AND created_at >= $2 ORDER BY created_at, id LIMIT 1', [environmentId, wake.created_at]);
  return {
    wakeId: wake.id,
    state: wake.state,
    createdAt: origin,
    wake: await events(wake.id),
    allocation: allocation ? [{ state: 'created', atMs: Date.parse(allocation.created_at) - origin }, ...(await events(allocation.operation_id))] : [],
  };
}

/**
 * Runs `work` and returns its result with the CPU other work took meanwhile: `disturbance`, the
 * cores used on the edges' core by processes that are not the edges (pinned: only the edges run
 * there, so this is someone else's build or test suite; unpinned: the whole machine's other
 * work), or the time the hypervisor stole from the machine if that was more, and `otherCores`
 * for the whole machine. The apps a runner starts are process groups of
 * their own, so on core 0 they would look like other work: that core is not what is judged.
 */
export async function measureAroundEdges(edges, pinned, work) {
  const groups = runningGroups();
  const before = cpuSnapshot(groups);
  const result = await work();
  const cpu = cpuBetween(before, cpuSnapshot(groups), { proxyGroup: edges[0].entry.pid, proxyCpu: PROXY_CPU, loadCpu: LOAD_CPU });
  const otherEdges = edges.slice(1).reduce((sum, edge) => sum + (cpu.groupCores.get(edge.entry.pid) ?? 0), 0);
  const edgeCores = edges.reduce((sum, edge) => sum + (cpu.groupCores.get(edge.entry.pid) ?? 0), 0);
  return { result, edgeCores, disturbance: edgeCoreDisturbance(cpu, pinned, otherEdges), otherCores: cpu.otherCores };
}

/** Resident memory of a process, and its peak since the last reset (VmHWM), in bytes. */
export function memoryOf(pid) {
  const status = readStatus(pid);
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Resets a process's peak RSS to its current RSS (root, or the process's owner). */
export function resetPeakMemory(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it returns true; fails with `message()` after `timeoutMs` or when `entry` exits. */
export async function until(check, timeoutMs, message, entry) {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(250, delay * 2)) {
    if (entry?.hasExited()) throw new Error(`${entry.name} exited: ${message()}\n${entry.output()}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)))]).finally(() => clearTimeout(timer));
}

function readStatus(pid) {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}
