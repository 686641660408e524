import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, tempDir } from '@berth/testkit';
import { ExitCode } from '../exit-codes.js';
import { explain as show, parseJson, runCli, sandbox, spawnCli, type Sandbox } from '../test-support/run-cli.js';

/**
 * `berth up` as people run it: a real process on a real data directory, stopped by a signal.
 * Port 0 lets the system choose a free port; `up` prints the URL it got.
 */
describe('berth up', () => {
  let box: Sandbox;
  let work: { path: string; remove(): Promise<void> };
  let dataDir: string;
  const children: Array<ReturnType<typeof spawnCli>> = [];
  const up = (args: string[], extra: Record<string, string> = {}) => {
    const child = spawnCli(['up', '--api-port', '0', '--edge-port', '0', ...args], { env: box.env(extra), cwd: work.path });
    children.push(child);
    return child;
  };
  const urlOf = (child: ReturnType<typeof spawnCli>) =>
    eventually(() => /^API: +(http:\/\/127\.0\.0\.1:\d+)$/m.exec(child.output.stdout)?.[1] ?? (child.output.code !== null ? Promise.reject(new Error(show(child.output))) : undefined), { timeoutMs: 90_000, message: 'berth up printed its URL' });

  before(async () => {
    box = await sandbox();
    work = await tempDir('berth-up-');
    dataDir = join(work.path, '.berth');
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await work?.remove();
    await box?.remove();
  });

  test('a wrong setting is refused before anything starts, naming the flag or variable (exit 2)', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--api-port', '70000'], {}, /--api-port must be a port number from 1 to 65535/],
      [[], { BERTH_API_PORT: 'abc' }, /BERTH_API_PORT must be a port number/],
      [[], { BERTH_DATABASE_URL: 'mysql://db/x' }, /BERTH_DATABASE_URL must be a postgres:\/\/ URL/],
      [['--host', 'a b'], {}, /--host must be a host name or IP address/],
      [['--edge-port', 'x'], {}, /--edge-port must be a port number/],
      [['--api-port', '9000', '--edge-port', '9000'], {}, /The edge and the API cannot share port 9000/],
      [[], { BERTH_NATS_URL: 'http://nats' }, /BERTH_NATS_URL must be a nats:\/\/ URL/],
    ];
    for (const [args, env, message] of cases) {
      const result = await runCli(['up', ...args], { env: box.env(env), cwd: work.path });
      assert.equal(result.code, ExitCode.usage, show(result));
      assert.match(result.stderr, message);
    }
    assert.equal(existsSync(dataDir), false, 'nothing was created');
  });

  let first: ReturnType<typeof spawnCli>;
  let url: string;

  test('the first start prints the URL, the token file (not the token), the migrations and the next step', async () => {
    first = up([]); // The data directory is the default, ./.berth.
    url = await urlOf(first);
    const out = first.output.stdout;
    const tokenFile = join(dataDir, 'admin-token');
    const token = readFileSync(tokenFile, 'utf8').trim();
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    assert.ok(!out.includes(token) && !first.output.stderr.includes(token), 'the admin token is never printed');
    assert.match(out, new RegExp(`^admin token: +${tokenFile} \\(written now: this is the first start\\)$`, 'm'));
    assert.match(out, /^migrations: +applied 0001_\w+\.sql/m);
    assert.ok(out.includes(`Next: berth login --api ${url} --token-stdin < ${tokenFile}`));

    const health = await fetch(`${url}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);

    // The printed next step works.
    const env = box.env();
    const login = await runCli(['login', '--api', url, '--token-stdin'], { env, input: token });
    assert.equal(login.code, ExitCode.ok, show(login));
    assert.equal((await runCli(['apps', 'create', 'kept'], { env })).code, ExitCode.ok);
  });

  test('a second berth up on the same data directory exits 8, naming the process that holds it', async () => {
    const second = await runCli(['up', '--data-dir', '.berth', '--api-port', '0', '--edge-port', '0'], { env: box.env(), cwd: work.path });
    assert.equal(second.code, ExitCode.environment, show(second));
    assert.match(second.stderr, new RegExp(`error: The data directory ${dataDir} is in use by process ${first.pid} `));
    assert.match(second.stderr, /code: data_dir_locked\n {2}hint: Stop the other Berth process/);
  });

  test('SIGTERM stops it cleanly with exit 0 within a few seconds', async () => {
    const started = Date.now();
    first.kill('SIGTERM');
    const result = await first.exited;
    assert.equal(result.code, ExitCode.ok, show(result));
    assert.ok(Date.now() - started < 10_000, `stopped in ${Date.now() - started} ms`);
    assert.match(result.stderr, /stopping…/);
    assert.match(result.stderr, /stopped\.\n$/);
    assert.equal(existsSync(join(dataDir, 'berth.lock')), false, 'the lock was released');
  });

  test('a restart applies no migrations, keeps the data, and prints one JSON document under --json', async () => {
    const again = up(['--json'], { BERTH_DATA_DIR: dataDir });
    const doc = await eventually(() => {
      if (again.output.code !== null) throw new Error(show(again.output));
      try {
        return JSON.parse(again.output.stdout);
      } catch {
        return undefined;
      }
    }, { timeoutMs: 90_000 });
    assert.equal(doc.firstStart, false);
    assert.deepEqual(doc.appliedMigrations, []);
    assert.equal(doc.tokenFile, join(dataDir, 'admin-token'));
    assert.deepEqual(doc.components, ['control plane', 'edge', 'runner']);
    const shown = await runCli(['apps', 'show', 'kept', '--api', doc.url], { env: box.env() });
    assert.equal(shown.code, ExitCode.ok, show(shown));
    again.kill('SIGINT');
    const result = await again.exited;
    assert.equal(result.code, ExitCode.ok, show(result));
    assert.deepEqual(parseJson(result), doc, 'stdout holds exactly the one document');
  });

  test('a port in use is exit 8 with a clear error, and the data directory is let go', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const result = await runCli(['up', '--data-dir', dataDir, '--api-port', String(port), '--edge-port', '0'], { env: box.env(), cwd: work.path, timeoutMs: 90_000 });
      assert.equal(result.code, ExitCode.environment, show(result));
      assert.match(result.stderr, new RegExp(`error: Port ${port} on 127\\.0\\.0\\.1 is already in use\\.\\n {2}code: port_in_use\\n {2}hint: .*--api-port`));
      assert.equal(existsSync(join(dataDir, 'berth.lock')), false);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
