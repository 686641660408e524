// A real Berth control plane in a process of its own, on a fresh store (PGlite, from
// `@berth/control-plane/testing`), for the benchmarks that need the whole platform: a runner and
// edges join it over loopback as they would in production. The benchmark drives it over the IPC
// channel with small commands and reads its store to count what happened (wakes, allocations).
//
//   node bench/servers/control-plane.mjs CONFIG_JSON
//
// CONFIG_JSON is a Partial<ControlPlaneConfig> (natsUrl, wakesPerMinute, ...); a natsStream named
// BERTH_BENCH_* is the run's own and is deleted when the process stops. Once listening it
// sends { type: 'ready', url, routeKey }. Every command is { id, op, args } and is answered with
// { id, ok: true, value } or { id, ok: false, error }:
//   call { method, url, body }        the HTTP API with the admin token (inject)
//   query { sql, params }             rows of the store
//   joinToken { name }                a join token for a runner or an edge
//   deploy { app, folder }            deploys a folder as `berth deploy` does, waits for preview_ready
//   sleepNow { aheadMs }              one pass of the sleep controller, as if `aheadMs` had passed
//   seedOwners { hostname, upstreams } a deployment per upstream, each with one ready allocation (see below)
//   promotions { count, everyMs }     route compare-and-swaps between them (see below)
import { deployFolder, startTestControlPlane, waitForDeployment } from '@berth/control-plane/testing';
import { sleepIdleEnvironments } from '@berth/control-plane';
import { connect } from 'nats';
import { seedApp, seedAllocation, seedDeployment, seedHost, makeReady } from '../../packages/control-plane/dist/route-feed/feed-fixtures.js';
import { swapRouteOwner } from '../../packages/control-plane/dist/routes/route-owners.js';

const config = JSON.parse(process.argv[2] ?? '{}');
const t = await startTestControlPlane({ config: { sleepEveryMs: 3_600_000, ...config } });
const url = await t.cp.listen('127.0.0.1', 0);
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** The route the propagation benchmark moves, once seeded. */
let owners;

const commands = {
  call: async ({ method, url: path, body }) => {
    const res = await t.call(method, path, body === undefined ? {} : { body });
    return { status: res.status, body: res.body };
  },
  query: ({ sql, params }) => t.cp.db.query(sql, params ?? []),
  joinToken: ({ name }) => t.cp.createJoinToken(name, 600_000),
  deploy: async ({ app, folder }) => {
    const res = await deployFolder(t, app, folder);
    if (res.status !== 201) throw new Error(`deploy of ${app} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return waitForDeployment(t, res.body.id, ['preview_ready', 'failed', 'blocked'], 180_000);
  },
  sleepNow: ({ aheadMs }) => sleepIdleEnvironments({
    db: t.cp.db, clock: { now: () => Date.now() + aheadMs }, engine: t.cp.engine, log: () => {}, edgeTimeoutMs: 15_000,
    onSchedulingChange: () => void t.cp.reconcileNow().catch(() => {}),
  }),
  /**
   * The propagation benchmark's route: an app whose production hostname is owned by one of two
   * deployments, each with one ready allocation whose address is an upstream of the benchmark
   * (a ready allocation with an address is a `target.up` event). The rows are written the way the
   * route feed's own tests write them (feed-fixtures: the allocation machine driven by the real
   * engine), on a host row with no runner behind it (the control plane is started with a long
   * heartbeatTimeoutMs, so worker health does not declare it lost); no environment names a
   * deployment, so the scheduler leaves them alone.
   */
  seedOwners: async ({ hostname, upstreams, pinned = false }) => {
    const db = t.cp.db;
    const app = await seedApp(db, 'propagation');
    const hostId = await seedHost(db);
    // It heartbeats once, now: with the benchmark's long heartbeat timeout it stays ready.
    await db.query('UPDATE hosts SET last_heartbeat_at = $2 WHERE id = $1', [hostId, new Date()]);
    const deployments = [];
    for (const upstream of upstreams) {
      const deployment = await seedDeployment(db, app, { manifest: { name: 'propagation', run: { command: 'node server.js' }, scale: { min: 1 } }, assetManifest: [] });
      const allocation = await seedAllocation(t.cp.engine, app, deployment, hostId);
      await makeReady(t.cp.engine, db, allocation, { host: '127.0.0.1', port: upstream.port });
      deployments.push({ ...deployment, upstream: upstream.id });
    }
    const first = await db.transaction((tx) => swapRouteOwner(tx, {
      hostname, environmentId: app.production, deploymentId: deployments[0].id, digest: deployments[0].digest, expectedEpoch: 0, operationId: null, now: new Date(),
    }));
    // Diagnostics only (`pinned`): a hostname per deployment that never moves, so the edge keeps
    // a connection pool to both allocations however the moving hostname's owner changes.
    if (pinned) {
      for (const [i, deployment] of deployments.entries()) {
        await db.transaction((tx) => swapRouteOwner(tx, {
          hostname: `pin-${i}.${hostname}`, environmentId: app.production, deploymentId: deployment.id, digest: deployment.digest, expectedEpoch: 0, operationId: null, now: new Date(),
        }));
      }
    }
    t.cp.routeFeed.poke();
    owners = { hostname, environmentId: app.production, deployments, epoch: first.owner.epoch, current: 0 };
    return { environmentId: app.production, epoch: owners.epoch, owner: deployments[0].upstream, seq: first.seq };
  },
  /**
   * `count` route compare-and-swaps, one every `everyMs`, moving the owner to the next of the
   * seeded deployments in turn: exactly the promotion's `route_cas` step (swapRouteOwner in a
   * transaction), then the poke every committed transition gives the route feed. Each entry of
   * the answer has the monotonic time (CLOCK_MONOTONIC, µs) right after the commit, and when the
   * route feed delivered the event to its subscribers (`feedUs`).
   */
  promotions: async ({ count, everyMs }) => {
    const timeline = [];
    // When the route feed hands each event to its subscribers (the edges' SSE streams, the
    // JetStream publisher): the control plane's share of the propagation time.
    const delivered = new Map();
    const unsubscribe = t.cp.routeFeed.subscribe(t.cp.routeFeed.lastSeq, (_document, seq) => delivered.set(seq, monotonicUs()));
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const due = (i + 1) * everyMs;
      const wait = due - (performance.now() - start);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const next = (owners.current + 1) % owners.deployments.length;
      const deployment = owners.deployments[next];
      const swapped = await t.cp.db.transaction((tx) => swapRouteOwner(tx, {
        hostname: owners.hostname, environmentId: owners.environmentId, deploymentId: deployment.id, digest: deployment.digest,
        expectedEpoch: owners.epoch, operationId: null, now: new Date(),
      }));
      const committedUs = monotonicUs();
      t.cp.routeFeed.poke();
      owners.epoch = swapped.owner.epoch;
      owners.current = next;
      timeline.push({ epoch: swapped.owner.epoch, seq: swapped.seq, owner: deployment.upstream, committedUs });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    unsubscribe();
    return timeline.map((entry) => ({ ...entry, feedUs: delivered.get(entry.seq) }));
  },
};

process.on('message', async (message) => {
  if (typeof message?.id !== 'number' || commands[message.op] === undefined) return;
  try {
    process.send({ id: message.id, ok: true, value: await commands[message.op](message.args ?? {}) });
  } catch (error) {
    process.send({ id: message.id, ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) });
  }
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await t.close().catch(() => {});
  // A benchmark's own JetStream stream goes with it.
  if (config.natsUrl && config.natsStream?.startsWith('BERTH_BENCH_')) await deleteStream(config.natsUrl, config.natsStream).catch(() => {});
  process.exit(0);
}

async function deleteStream(natsUrl, stream) {
  const nc = await connect({ servers: natsUrl, timeout: 2_000 });
  try {
    await (await nc.jetstreamManager()).streams.delete(stream);
  } finally {
    await nc.close();
  }
}
process.on('SIGTERM', () => void stop());
// Parent gone (IPC closed): stop, so an orchestrator killed hard leaves no control plane behind.
process.on('disconnect', () => void stop());
process.send({ type: 'ready', url, routeKey: t.cp.routeFeed.publicKeyText });
