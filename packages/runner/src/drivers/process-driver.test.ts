import assert from 'node:assert/strict';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, tempDir } from '@berth/testkit';
import { freePort } from '../alloc-runner/free-port.js';
import { killLeftovers } from '../test-support/live-processes.js';
import { getJson, writeTestApp } from '../test-support/test-app.js';
import type { OutputStream, RunningAllocation } from './driver.js';
import { ProcessDriver } from './process-driver.js';

let dir: { path: string; remove: () => Promise<void> };
let app: { artifactDir: string; command: string };
let running: RunningAllocation;
let port: number;
const output: Array<{ stream: OutputStream; line: string }> = [];
const workDir = () => join(dir.path, 'work');

before(async () => {
  dir = await tempDir('berth-process-driver-');
  app = await writeTestApp(join(dir.path, 'artifact'));
  port = await freePort();
  // Something only the runner has: it must not reach the app.
  process.env.BERTH_RUNNER_ONLY = 'the runner join token';
  running = await new ProcessDriver().start(
    { allocationId: 'alloc_test', artifactDir: app.artifactDir, workDir: workDir(), command: app.command, port, env: { GREETING: 'hello' }, memoryBytes: 512 * 2 ** 20 },
    (stream, line) => output.push({ stream, line }),
  );
  await eventually(() => getJson(port, '/'), { message: 'the app answers' });
});

after(async () => {
  delete process.env.BERTH_RUNNER_ONLY;
  await running?.stop(2_000);
  killLeftovers(dir.path, 'process-driver');
  await dir.remove();
});

test('the app listens on PORT with its env and nothing of the runner\'s', async () => {
  const { env, cwd } = await getJson<{ env: Record<string, string>; cwd: string }>(port, '/env');
  assert.equal(env.PORT, String(port));
  assert.equal(env.GREETING, 'hello');
  assert.equal(env.HOME, join(workDir(), 'home'));
  assert.equal(env.BERTH_RUNNER_ONLY, undefined);
  assert.match(env.PATH ?? '', /\/usr\/bin/);
  // Only what the driver passes, plus what the shell itself sets up.
  const extra = Object.keys(env).filter((key) => !['PATH', 'HOME', 'TMPDIR', 'PORT', 'GREETING', 'PWD', 'SHLVL', 'OLDPWD', '_'].includes(key));
  assert.deepEqual(extra, []);
  assert.equal(cwd, join(workDir(), 'root'));
});

test('the app writes to its working copy and the artifact stays untouched', async () => {
  const before = (await readdir(app.artifactDir)).sort();
  const target = join(workDir(), 'root', 'data.txt');
  assert.deepEqual(await getJson(port, `/write?path=${encodeURIComponent(target)}`), { ok: true });
  assert.equal(await readFile(target, 'utf8'), 'written by the app');
  assert.equal(await readFile(join(app.artifactDir, 'data.txt'), 'utf8'), 'artifact data\n');
  assert.deepEqual((await readdir(app.artifactDir)).sort(), before);
});

test('the working copy keeps modes and symlinks', async () => {
  const root = join(workDir(), 'root');
  assert.equal((await stat(join(root, 'bin', 'tool.sh'))).mode & 0o777, 0o755);
  assert.ok((await lstat(join(root, 'link.txt'))).isSymbolicLink());
  assert.equal(await readlink(join(root, 'link.txt')), 'data.txt');
});

test('output arrives as sanitised lines from both streams', async () => {
  await eventually(() => output.some((entry) => entry.stream === 'stderr' && entry.line === 'a line on stderr'));
  const listening = output.find((entry) => entry.stream === 'stdout' && entry.line.startsWith('listening'));
  assert.equal(listening?.line, `listening on ${port}`);
});

test('stats report the tree\'s memory and a CPU figure', async () => {
  const stats = await running.stats();
  assert.ok(stats.memoryBytes > 10 * 2 ** 20, `memory ${stats.memoryBytes}`);
  assert.ok(stats.cpuPercent >= 0);
});

test('stop ends the app gracefully and removes the working copy', async () => {
  const { exit, killed } = await running.stop(2_000);
  assert.equal(killed, false);
  assert.equal(exit.oom, false);
  assert.ok(exit.signal === 'SIGTERM' || exit.code !== null, exit.reason);
  await assert.rejects(stat(join(workDir(), 'root')), { code: 'ENOENT' });
  await assert.rejects(stat(join(workDir(), 'home')), { code: 'ENOENT' });
  assert.equal(await readFile(join(app.artifactDir, 'data.txt'), 'utf8'), 'artifact data\n');
  assert.deepEqual(await running.stats(), { cpuPercent: 0, memoryBytes: 0 });
});
