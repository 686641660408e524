import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { examplesDir } from '@berth/control-plane/testing';
import { eventually, tempDir } from '@berth/testkit';
import { ExitCode } from '../exit-codes.js';
import { explain, parseJson, runCli, sandbox, spawnCli, type Sandbox } from '../test-support/run-cli.js';
import { viaEdge } from './edge-harness.js';

/**
 * The walk of issue 5, on real processes: `berth up` (control plane, edge and runner in one
 * process, PGlite, the embedded route feed), the `berth` CLI, and requests through the edge.
 * deploy v1 → its preview serves v1; promote → production serves v1 at epoch 1; deploy v2 → the
 * preview serves v2 while production stays on v1; promote → production serves v2 at epoch 2 with
 * the preview's digest; rollback → v1's digest again, and no build ran.
 */
describe('deploy, promote and roll back through the edge', () => {
  let box: Sandbox;
  let work: { path: string; remove(): Promise<void> };
  let up: ReturnType<typeof spawnCli>;
  let env: Record<string, string>;
  let edgePort: number;
  const berth = async (args: string[], timeoutMs = 180_000) => runCli(args, { env, cwd: work.path, timeoutMs });

  before(async () => {
    box = await sandbox();
    work = await tempDir('berth-walk-');
    up = spawnCli(['up', '--data-dir', join(work.path, '.berth'), '--api-port', '0', '--edge-port', '0'], { env: box.env(), cwd: work.path });
    const api = await eventually(() => /^API: +(http:\/\/127\.0\.0\.1:\d+)$/m.exec(up.output.stdout)?.[1] ?? (up.output.code !== null ? Promise.reject(new Error(explain(up.output))) : undefined), { timeoutMs: 120_000, message: 'berth up printed its URL' });
    edgePort = Number(/^edge: +http:\/\/127\.0\.0\.1:(\d+)/m.exec(up.output.stdout)?.[1]);
    assert.ok(edgePort > 0, explain(up.output));
    env = box.env({ BERTH_API_URL: api });
    const login = await runCli(['login', '--token-stdin'], { env, input: readFileSync(join(work.path, '.berth', 'admin-token'), 'utf8') });
    assert.equal(login.code, ExitCode.ok, explain(login));
    assert.equal((await berth(['apps', 'create', 'hello'])).code, ExitCode.ok);
  });
  after(async () => {
    if (up && up.exitCode === null) {
      up.kill('SIGTERM');
      await up.exited;
    }
    await work?.remove();
    await box?.remove();
  });

  /** Deploys a copy of examples/hello-node that answers "hello from <version>". */
  async function deployVersion(version: string): Promise<{ id: string; digest: string; previewHost: string }> {
    const dir = join(work.path, `hello-${version}`);
    cpSync(join(examplesDir(), 'hello-node'), dir, { recursive: true });
    const server = readFileSync(join(dir, 'server.js'), 'utf8').replace("process.env.HELLO_VERSION ?? 'v1'", `'${version}'`);
    writeFileSync(join(dir, 'server.js'), server);
    const result = await berth(['deploy', dir, '--app', 'hello', '--json']);
    assert.equal(result.code, ExitCode.ok, explain(result));
    const d = parseJson(result);
    assert.equal(d.state, 'preview_ready');
    return { id: d.id, digest: d.digest, previewHost: d.previewHost };
  }

  const serves = (host: string, text: string) =>
    eventually(async () => {
      const res = await viaEdge(edgePort, host);
      return res.status === 200 && res.body.startsWith(text) ? res : undefined;
    }, { timeoutMs: 60_000, message: `${host} serves "${text}"` });

  let v1: { id: string; digest: string; previewHost: string };
  let v2: { id: string; digest: string; previewHost: string };

  test('deploy v1: its preview serves v1 and production has no owner yet (404)', async () => {
    v1 = await deployVersion('v1');
    await serves(v1.previewHost, 'hello from v1');
    assert.equal((await viaEdge(edgePort, 'hello.localhost')).status, 404);
  });

  test('promote v1: production serves v1 at epoch 1, with the preview\'s digest', async () => {
    const result = await berth(['promote', v1.id, '--json']);
    assert.equal(result.code, ExitCode.ok, explain(result));
    const p = parseJson(result);
    assert.deepEqual([p.state, p.epoch, p.digest, p.host], ['healthy', 1, v1.digest, 'hello.localhost']);
    await serves('hello.localhost', 'hello from v1');
  });

  test('deploy v2: the preview serves v2 while production stays on v1', async () => {
    v2 = await deployVersion('v2');
    await serves(v2.previewHost, 'hello from v2');
    for (let i = 0; i < 5; i++) assert.match((await viaEdge(edgePort, 'hello.localhost')).body, /^hello from v1/);
    // Each preview hostname reaches its own deployment only.
    assert.match((await viaEdge(edgePort, v1.previewHost)).body, /^hello from v1/);
  });

  test('promote v2: production serves v2 at epoch 2 with exactly the preview\'s digest', async () => {
    const result = await berth(['promote', v2.id, '--json']);
    assert.equal(result.code, ExitCode.ok, explain(result));
    const p = parseJson(result);
    assert.deepEqual([p.state, p.epoch, p.digest], ['healthy', 2, v2.digest]);
    await serves('hello.localhost', 'hello from v2');
  });

  test('rollback: production serves v1\'s digest again at epoch 3, and no build ran', async () => {
    const deploysBefore = parseJson(await berth(['ops', 'list', '--kind', 'deploy', '--json'])).items.length;
    const result = await berth(['rollback', '--app', 'hello', '--json']);
    assert.equal(result.code, ExitCode.ok, explain(result));
    const p = parseJson(result);
    assert.deepEqual([p.state, p.epoch, p.digest, p.deploymentId, p.rollback], ['healthy', 3, v1.digest, v1.id, true]);
    await serves('hello.localhost', 'hello from v1');
    assert.equal(parseJson(await berth(['ops', 'list', '--kind', 'deploy', '--json'])).items.length, deploysBefore, 'a rollback starts no deploy');
    const edges = parseJson(await berth(['edges', 'list', '--json']));
    assert.equal(edges.items.length, 1);
    assert.equal(edges.items[0].status, 'live');
  });
});
