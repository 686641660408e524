// The docker driver against a real engine: Podman's Docker-compatible service, which
// scripts/podman/setup.sh starts on <repo>/.test-tmp/podman/podman.sock (or BERTH_DOCKER_SOCKET).
// Runs whenever that socket answers; skipped with the reason otherwise, and failed instead when
// BERTH_TEST_REQUIRE names podman (as CI sets it). The pure parts (log frames, CPU percent) always
// run.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, tempDir } from '@berth/testkit';
import { DockerApi, DockerApiError, LogDemultiplexer, cpuPercent, type LogStream } from './docker-api.js';
import { DockerDriver, containerName } from './docker-driver.js';
import type { AllocationSpec, OutputStream, RunningAllocation } from './driver.js';

const repoRoot = process.env.BERTH_REPO_ROOT ?? resolve(import.meta.dirname, '../../../..');
const socketPath = process.env.BERTH_DOCKER_SOCKET ?? join(repoRoot, '.test-tmp/podman/podman.sock');
const required = (process.env.BERTH_TEST_REQUIRE ?? '').split(',').map((s) => s.trim()).includes('podman');
const engine = await new DockerApi({ socketPath, timeoutMs: 3000 }).version().then(
  (v) => `${v.Components?.[0]?.Name ?? 'engine'} ${v.Version}`,
  () => undefined,
);
const unreachable = `the Docker API at ${socketPath} does not answer (run scripts/podman/setup.sh)`;

describe('docker driver: the pure parts', () => {
  test('demultiplexes log frames cut anywhere by the transport', () => {
    const frames: Array<[LogStream, string]> = [];
    const demux = new LogDemultiplexer((stream, data) => frames.push([stream, data.toString()]));
    const frame = (type: number, text: string) => {
      const header = Buffer.alloc(8);
      header[0] = type;
      header.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([header, Buffer.from(text)]);
    };
    const wire = Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops'), frame(2, '\n'), frame(1, 'bye\n')]);
    for (let i = 0; i < wire.length; i += 3) demux.push(wire.subarray(i, i + 3));
    assert.deepEqual(frames, [['stdout', 'hello\n'], ['stderr', 'oops'], ['stderr', '\n'], ['stdout', 'bye\n']]);
  });

  test('CPU percent is a share of one core between two samples', () => {
    const sample = (cpu: number, system: number) => ({ cpu_usage: { total_usage: cpu }, system_cpu_usage: system, online_cpus: 2 });
    // Half a second of CPU while the host's two cores together ran two seconds: one second of wall time.
    assert.equal(cpuPercent(sample(1.5e9, 12e9), sample(1e9, 10e9)), 50);
    assert.equal(cpuPercent(sample(1e9, 10e9), sample(1e9, 10e9)), 0);
  });
});

const skip = engine === undefined && !required ? unreachable : undefined;

test('the Docker API answers', { skip }, () => {
  assert.ok(engine !== undefined, `BERTH_TEST_REQUIRE names podman, but ${unreachable}.`);
});

describe(`docker driver on ${engine ?? 'Podman'}`, { skip }, () => {
  const api = new DockerApi({ socketPath });
  const driver = new DockerDriver({ socketPath });
  const started: RunningAllocation[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  let artifactDir = '';
  let count = 0;

  before(async () => {
    // Required but unreachable: the test above fails; the rest are cancelled rather than each failing.
    if (engine === undefined) throw new Error(`BERTH_TEST_REQUIRE names podman, but ${unreachable}.`);
    const dir = await tempDir('berth-docker-artifact-');
    cleanups.push(dir.remove);
    artifactDir = dir.path;
    await cp(join(repoRoot, 'examples/hello-node'), artifactDir, { recursive: true });
  });

  after(async () => {
    // Whatever a failed test left running: stopped at once, which also removes the container.
    await Promise.all(started.map((allocation) => allocation.stop(0).catch(() => undefined)));
    for (const cleanup of cleanups) await cleanup();
  });

  async function start(overrides: Partial<AllocationSpec> & { driver?: DockerDriver } = {}) {
    const work = await tempDir('berth-docker-work-');
    cleanups.push(work.remove);
    const output: Array<{ stream: OutputStream; line: string }> = [];
    const { driver: chosen = driver, ...spec } = overrides;
    const allocation = await chosen.start(
      {
        allocationId: `al_docker_test_${process.pid}_${++count}`,
        artifactDir,
        workDir: work.path,
        command: 'node server.js',
        port: await freePort(),
        env: {},
        memoryBytes: 256 * 1024 * 1024,
        ...spec,
      },
      (stream, line) => output.push({ stream, line }),
    );
    started.push(allocation);
    const saw = (stream: OutputStream, text: string) => output.some((o) => o.stream === stream && o.line.includes(text));
    return { allocation, output, saw };
  }

  describe('the example app hello-node', () => {
    let app: Awaited<ReturnType<typeof start>>;

    before(async () => {
      app = await start({ env: { HELLO_VERSION: 'v7', BERTH_DEPLOYMENT_ID: 'dep_docker' } });
    });

    test('answers HTTP on 127.0.0.1 at its port, with its environment', async () => {
      assert.deepEqual(app.allocation.address, { host: '127.0.0.1', port: app.allocation.address.port });
      const res = await eventually(() => httpGet(app.allocation.address.port, '/'), { timeoutMs: 20_000, message: 'hello-node answers' });
      assert.equal(res.status, 200);
      assert.equal(res.body, 'hello from v7 (dep_docker)\n');
      assert.equal((await httpGet(app.allocation.address.port, '/healthz')).body, 'ok\n');
    });

    test('its output reaches onOutput a line at a time', async () => {
      await eventually(() => app.saw('stdout', `listening on ${app.allocation.address.port}`), { message: 'the listening line' });
    });

    test('stats report its memory', async () => {
      const stats = await app.allocation.stats();
      assert.ok(stats.memoryBytes > 1024 * 1024, `memory ${stats.memoryBytes}`);
      assert.ok(stats.memoryBytes < 256 * 1024 * 1024, `memory ${stats.memoryBytes}`);
      assert.ok(Number.isFinite(stats.cpuPercent) && stats.cpuPercent >= 0, `cpu ${stats.cpuPercent}`);
      const again = await app.allocation.stats();
      assert.ok(Number.isFinite(again.cpuPercent) && again.cpuPercent >= 0, `cpu ${again.cpuPercent}`);
    });

    test('stop with a grace period ends it by SIGTERM and removes the container', async () => {
      const t0 = Date.now();
      const { exit, killed } = await app.allocation.stop(10_000);
      assert.equal(killed, false);
      assert.ok(Date.now() - t0 < 8000, `stopped in ${Date.now() - t0} ms`);
      assert.deepEqual({ code: exit.code, signal: exit.signal, oom: exit.oom }, { code: null, signal: 'SIGTERM', oom: false });
      const gone = await api.inspectContainer(containerName(app.allocation.allocationId)).catch((error: unknown) => error);
      assert.ok(gone instanceof DockerApiError && gone.status === 404, `inspect after stop: ${String(gone)}`);
      assert.match(gone.apiMessage, /no such container/i);
      await assert.rejects(httpGet(app.allocation.address.port, '/'));
    });
  });

  test('an app that handles SIGTERM gets it and exits by itself before the deadline', async () => {
    const app = await start({
      command: `node -e "process.on('SIGTERM', () => { console.log('draining'); process.exit(0); }); console.log('ready'); setInterval(() => {}, 1000)"`,
    });
    await eventually(() => app.saw('stdout', 'ready'), { message: 'the app is ready' });
    const { exit, killed } = await app.allocation.stop(10_000);
    assert.equal(killed, false);
    assert.equal(exit.code, 0);
    assert.ok(app.saw('stdout', 'draining'), JSON.stringify(app.output));
  });

  test('an app ignoring SIGTERM is killed at the deadline', async () => {
    const app = await start({
      command: `node -e "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('ready'); setInterval(() => {}, 1000)"`,
    });
    await eventually(() => app.saw('stdout', 'ready'), { message: 'the app is ready' });
    const t0 = Date.now();
    const { exit, killed } = await app.allocation.stop(1000);
    const took = Date.now() - t0;
    assert.equal(killed, true);
    assert.ok(took >= 900, `killed after ${took} ms`);
    assert.deepEqual({ code: exit.code, signal: exit.signal, oom: exit.oom }, { code: null, signal: 'SIGKILL', oom: false });
    assert.equal(exit.reason, 'killed by SIGKILL: still running 1 s after SIGTERM');
    assert.ok(app.saw('stdout', 'ignoring SIGTERM'), 'the app saw the SIGTERM');
  });

  test('the artifact is mounted read-only; /tmp is writable', async () => {
    const app = await start({ command: 'echo x > /tmp/scratch && echo tmp-writable; echo x > /app/written' });
    const exit = await app.allocation.exited;
    assert.notEqual(exit.code, 0);
    assert.ok(app.saw('stdout', 'tmp-writable'), JSON.stringify(app.output));
    assert.ok(app.saw('stderr', 'Read-only file system'), JSON.stringify(app.output));
    assert.equal(existsSync(join(artifactDir, 'written')), false);
  });

  test('an exit code is reported, and the container removed', async () => {
    const app = await start({ command: 'echo bye; exit 3' });
    const exit = await app.allocation.exited;
    assert.deepEqual(exit, { code: 3, signal: null, oom: false, reason: 'exited with code 3' });
    assert.ok(app.saw('stdout', 'bye'));
    await assert.rejects(api.inspectContainer(containerName(app.allocation.allocationId)), (error: unknown) => {
      return error instanceof DockerApiError && error.status === 404;
    });
  });

  const allocate = `node -e "const held = []; setInterval(() => held.push(Buffer.alloc(16 << 20, 1)), 100)"`;

  test('past its memory limit it is killed and the exit says out of memory', async (t) => {
    const app = await start({ command: allocate, memoryBytes: 96 * 1024 * 1024 });
    t.diagnostic(`the limit is held by: ${app.allocation.memoryLimit}`);
    const exit = await app.allocation.exited;
    assert.equal(exit.oom, true, exit.reason);
    assert.equal(exit.signal, 'SIGKILL');
    if (app.allocation.memoryLimit === 'cgroup') assert.equal(exit.reason, 'killed: out of memory at the 96 MiB limit');
    else assert.match(exit.reason, /^killed: memory \d+ MiB over the 96 MiB limit$/);
  });

  test('where the engine does not hold the limit, the stats watchdog kills past it', async () => {
    const watchdog = new DockerDriver({ socketPath, memoryLimit: 'watchdog', watchdogIntervalMs: 100 });
    const app = await start({ driver: watchdog, command: allocate, memoryBytes: 96 * 1024 * 1024 });
    assert.equal(app.allocation.memoryLimit, 'watchdog');
    const exit = await app.allocation.exited;
    assert.equal(exit.oom, true, exit.reason);
    assert.match(exit.reason, /^killed: memory \d+ MiB over the 96 MiB limit$/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
