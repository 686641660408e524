import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, tempDir } from '@berth/testkit';
import { BuildError } from './build-error.js';
import { formatElapsed } from './elapsed.js';
import { runBuild, type RunBuildOptions } from './run-build.js';
import { sandboxAvailable } from './sandbox.js';

const MiB = 1024 * 1024;

/** Runs a command in a fresh folder, collecting what onOutput receives. */
async function build(t: { after: (fn: () => Promise<void>) => void }, command: string, extra: Partial<RunBuildOptions> = {}) {
  const dir = await tempDir();
  t.after(dir.remove);
  const chunks: string[] = [];
  const run = runBuild({ dir: dir.path, command, timeoutMs: 20_000, outputLimitBytes: MiB, env: {}, onOutput: (chunk) => chunks.push(chunk), ...extra });
  return { dir: dir.path, chunks, run };
}

async function failure(promise: Promise<unknown>): Promise<BuildError> {
  const error = await promise.then(() => assert.fail('expected the build to fail'), (e: unknown) => e);
  assert.ok(error instanceof BuildError, `expected a BuildError, got ${String(error)}`);
  return error;
}

for (const sandbox of [true, false]) {
  const mode = sandbox ? 'sandboxed when available' : 'unsandboxed';

  test(`${mode}: output is streamed in order, stdout and stderr merged, and the result describes the run`, async (t) => {
    const { chunks, run } = await build(t, 'echo one; echo two >&2; printf three; sleep 0.1; echo " four"', { sandbox });
    const result = await run;
    assert.equal(chunks.join(''), 'one\ntwo\nthree four\n');
    assert.ok(chunks.length >= 2, 'the output before the sleep arrives before the output after it');
    assert.equal(result.exitCode, 0);
    assert.equal(result.outputBytes, 'one\ntwo\nthree four\n'.length);
    assert.equal(result.truncated, false);
    assert.deepEqual(result.tail, ['one', 'two', 'three four']);
    assert.equal(result.sandboxed, sandbox && (await sandboxAvailable()));
  });

  test(`${mode}: a non-zero exit fails with the exit code and the last 50 lines`, async (t) => {
    const { run } = await build(t, 'for i in $(seq 1 80); do echo line $i; done; exit 3', { sandbox });
    const error = await failure(run);
    assert.equal(error.reason, 'exit');
    assert.match(error.message, /^The build failed with exit code 3 after \d/);
    assert.equal(error.run?.exitCode, 3);
    assert.equal(error.tail.length, 50);
    assert.equal(error.tail[0], 'line 31');
    assert.equal(error.tail.at(-1), 'line 80');
  });

  test(`${mode}: a build past its time limit is stopped promptly, with its background children`, async (t) => {
    const { dir, run } = await build(t, 'sleep 30 & echo $! > bg.pid; sleep 30', { sandbox, timeoutMs: 500 });
    const started = Date.now();
    const error = await failure(run);
    assert.ok(Date.now() - started < 4_000, `stopped after ${Date.now() - started} ms`);
    assert.equal(error.reason, 'timeout');
    assert.match(error.message, /^The build ran past its limit of 500ms and was stopped after \d/);
    if (!error.run?.sandboxed) {
      // Unsandboxed, the background sleep is a host process: it must be gone.
      // It may linger briefly as a zombie until its new parent reaps it, which is not running.
      const pid = Number(await readFile(join(dir, 'bg.pid'), 'utf8'));
      await eventually(async () => {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
        return stat === '' || /^\d+ \(.*\) Z/.test(stat);
      }, { timeoutMs: 2_000, message: 'the background sleep is gone' });
    }
  });

  test(`${mode}: a flood of output stops at the limit and fails as output_limit`, async (t) => {
    const { chunks, run } = await build(t, 'yes flood', { sandbox, outputLimitBytes: 64 * 1024 });
    const error = await failure(run);
    assert.equal(error.reason, 'output_limit');
    assert.equal(error.run?.truncated, true);
    assert.equal(error.run?.outputBytes, 64 * 1024);
    assert.equal(chunks.join('').length, 64 * 1024);
    // The limit cuts the last line wherever it falls; the line before it is whole.
    assert.equal(error.tail.at(-2), 'flood');
    assert.ok('flood'.startsWith(error.tail.at(-1) ?? 'x'));
  });
}

test('a secret split across two writes is redacted before it is delivered, and in the tail', async (t) => {
  const { chunks, run } = await build(t, 'printf "token=hunt"; sleep 0.2; printf "er2-xyz and "; sleep 0.1; echo "$SECRET"', {
    env: { SECRET: 'hunter2-xyz' },
    redact: ['hunter2-xyz'],
  });
  const result = await run;
  assert.ok(chunks.length >= 2, 'the output arrived in several chunks');
  assert.equal(chunks.join(''), 'token=[redacted] and [redacted]\n');
  assert.ok(chunks.every((chunk) => !chunk.includes('hunt')), 'no chunk carries a piece of the secret');
  assert.deepEqual(result.tail, ['token=[redacted] and [redacted]']);
});

test('environment variables are passed through; HOME is private and writable; PATH has a default', async (t) => {
  const { chunks, run } = await build(t, 'echo "$GREETING"; echo "$HOME"; touch "$HOME/cache" && echo home-ok; command -v sh', { env: { GREETING: 'hello there' } });
  await run;
  const [greeting, home, ok, sh] = chunks.join('').trim().split('\n');
  assert.equal(greeting, 'hello there');
  assert.match(home ?? '', /\/home$/);
  assert.equal(ok, 'home-ok');
  assert.match(sh ?? '', /\/sh$/);
});

test('the sandbox keeps the build inside its folder, with its own /tmp and PID namespace', async (t) => {
  if (!(await sandboxAvailable())) return t.skip('bubblewrap is not usable on this machine');
  const scratch = await tempDir();
  t.after(scratch.remove);
  const marker = `berth-sandbox-${process.pid}-${Date.now()}`;
  const { dir, chunks, run } = await build(t, [
    'touch /etc/berth-x 2>/dev/null && echo etc-written || echo etc-refused',
    `touch "$HOME/../${marker}" 2>/dev/null; touch /tmp/${marker}`,
    'ls -A /tmp | grep -v "^berth-" | wc -l | tr -d " "',
    'echo "pid=$$"; tr "\\0" " " </proc/1/cmdline; echo',
    'touch inside && echo inside-ok',
  ].join('; '), { scratchDir: scratch.path });
  const result = await run;
  assert.equal(result.sandboxed, true);
  const lines = chunks.join('').trim().split('\n');
  assert.equal(lines[0], 'etc-refused');
  assert.equal(lines[1], '0', 'the private /tmp holds only the mount points of the build folder and its scratch');
  assert.match(lines[2] ?? '', /^pid=\d$/, 'the shell has a low PID of its own namespace');
  assert.doesNotMatch(lines[3] ?? '', /init|systemd/, 'PID 1 inside is not the host init');
  assert.equal(lines[4], 'inside-ok');
  await assert.rejects(readFile(join(scratch.path, marker)), { code: 'ENOENT' }, 'nothing outside the build folder and HOME reached the host');
  await assert.rejects(readFile(`/tmp/${marker}`), { code: 'ENOENT' }, '/tmp is private');
  await readFile(join(dir, 'inside'));
});

test('a missing folder and a cancelled build fail with their own reasons', async (t) => {
  const missing = runBuild({ dir: '/nonexistent/berth', command: 'true', timeoutMs: 1000, outputLimitBytes: 1000, env: {} });
  assert.equal((await failure(missing)).reason, 'spawn');
  const controller = new AbortController();
  const { run } = await build(t, 'sleep 30', { signal: controller.signal });
  setTimeout(() => controller.abort(), 200);
  assert.equal((await failure(run)).reason, 'cancelled');
});

test('elapsed times read like "15m0s"', () => {
  assert.equal(formatElapsed(15 * 60_000), '15m0s');
  assert.equal(formatElapsed(500), '500ms');
  assert.equal(formatElapsed(12_345), '12.3s');
  assert.equal(formatElapsed(3_723_000), '1h2m3s');
});
