import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@berth/testkit';
import { ExitCode } from '../../exit-codes.js';
import { startCliHarness, type CliHarness } from '../../test-support/cli-harness.js';
import { copyExample, repoRoot } from '../../test-support/examples.js';
import { explain as show, parseJson } from '../../test-support/run-cli.js';

/** `berth deploy` and `berth deployments` against a real control plane that really builds. */
describe('berth deploy', () => {
  let h: CliHarness;
  const deploy = (args: string[]) => h.run(['deploy', ...args], { cwd: repoRoot(), timeoutMs: 90_000 });

  before(async () => {
    h = await startCliHarness();
    for (const name of ['hello', 'broken', 'failing', 'fromgit']) assert.equal((await h.t.call('POST', '/api/apps', { body: { name } })).status, 201);
  });
  after(async () => h?.close());

  test('--json deploys a folder to its preview: one document with the state, digest and preview host', async () => {
    const result = await deploy(['examples/hello-node', '--app', 'hello', '--json']);
    assert.equal(result.code, ExitCode.ok, show(result));
    const d = parseJson(result);
    assert.equal(d.state, 'preview_ready');
    assert.match(d.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(d.previewHost, `hello--${d.shortId}.localhost`);
    assert.equal(d.previewUrl, `http://hello--${d.shortId}.localhost/`);
    assert.match(d.id, /^dep_/);

    const again = parseJson(await deploy(['examples/hello-node', '--app', 'hello', '--json']));
    assert.notEqual(again.id, d.id);
    assert.equal(again.digest, d.digest, 'the same folder packs to the same artifact');
  });

  test('people see a line per state, the build output and the preview URL; --detach prints only the id', async () => {
    const result = await deploy(['examples/hello-node', '--app', 'hello']);
    assert.equal(result.code, ExitCode.ok, show(result));
    assert.match(result.stdout, /^Packing examples\/hello-node \(\d+ files, \d+ KB\)$/m);
    for (const state of ['queued', 'cloning', 'building', 'validating', 'preview_ready']) assert.match(result.stdout, new RegExp(`^→ ${state} \\(\\d+\\.\\ds\\)$`, 'm'), state);
    assert.match(result.stdout, /^✓ Preview ready: http:\/\/hello--[a-z0-9]{8}\.localhost\/$/m);
    assert.match(result.stdout, /^ {2}digest {6}sha256:[0-9a-f]{64}$/m);
    assert.doesNotMatch(result.stdout, /\u001b\[/, 'no escape codes without a terminal');

    // Without --app, the app is the `name` in the folder's berth.toml.
    const named = await copyExample('hello-node');
    const manifest = await readFile(join(named.path, 'berth.toml'), 'utf8');
    await writeFile(join(named.path, 'berth.toml'), `name = "hello"\n${manifest}`);
    const detached = await deploy([named.path, '--detach']).finally(named.remove);
    assert.equal(detached.code, ExitCode.ok, show(detached));
    assert.match(detached.stdout, /^dep_[0-9A-Z]{26}\n$/);
    assert.match(detached.stderr, /berth deploy watch dep_/);
    const watched = await h.run(['deploy', 'watch', detached.stdout.trim()]);
    assert.equal(watched.code, ExitCode.ok, show(watched));
    assert.match(watched.stdout, /→ preview_ready/);
  });

  test('a broken berth.toml fails with exit 1, naming its line and key', async () => {
    const copy = await copyExample('hello-node');
    try {
      await writeFile(join(copy.path, 'berth.toml'), '[run]\ncommand = "node server.js"\n\n[scale]\nmin = 2\nmax = 1\n');
      const result = await deploy([copy.path, '--app', 'broken']);
      assert.equal(result.code, ExitCode.operationFailed, show(result));
      assert.match(result.stdout, /✗ Deploy dep_\S+ failed:/);
      assert.match(result.stdout, /berth\.toml:6/);
      assert.match(result.stdout, /\[scale\] max/);
    } finally {
      await copy.remove();
    }
  });

  test('a failing build ends with exit 1 and shows its output', async () => {
    const copy = await copyExample('hello-node');
    try {
      await writeFile(join(copy.path, 'berth.toml'), '[build]\ncommand = "echo boom >&2; exit 2"\n\n[run]\ncommand = "node server.js"\n');
      const result = await deploy([copy.path, '--app', 'failing']);
      assert.equal(result.code, ExitCode.operationFailed, show(result));
      assert.match(result.stdout, /^boom$/m, 'the build output, as it came');
      assert.match(result.stdout, /→ failed/);
      assert.match(result.stdout, /✗ Deploy dep_\S+ failed:\n(?: {2}.*\n)*? {2}boom$/m, 'the reason holds the last lines');
      const json = await deploy([copy.path, '--app', 'failing', '--json']);
      assert.equal(json.code, ExitCode.operationFailed);
      assert.equal(parseJson(json).state, 'failed');
      assert.match(parseJson(json).reason, /boom/);
    } finally {
      await copy.remove();
    }
  });

  test('Ctrl-C stops following with exit 130, saying the deploy goes on and how to watch it', async () => {
    const copy = await copyExample('hello-node');
    try {
      await writeFile(join(copy.path, 'berth.toml'), '[build]\ncommand = "echo started; sleep 2"\n\n[run]\ncommand = "node server.js"\n');
      const child = h.spawn(['deploy', copy.path, '--app', 'hello']);
      await eventually(() => child.output.stdout.includes('started'));
      child.kill('SIGINT');
      const stopped = await child.exited;
      assert.equal(stopped.code, ExitCode.interrupted, show(stopped));
      assert.match(stopped.stderr, /Stopped following (dep_\S+); the deploy goes on on the server\./);
      const id = /Stopped following (dep_\S+);/.exec(stopped.stderr)![1]!;
      assert.ok(stopped.stderr.includes(`berth deploy watch ${id}`));
      const watched = await h.run(['deploy', 'watch', id, '--json']);
      assert.equal(watched.code, ExitCode.ok, show(watched));
      assert.equal(parseJson(watched).state, 'preview_ready');
    } finally {
      await copy.remove();
    }
  });

  test('--git deploys a commit of a real repository; the JSON names that commit', async () => {
    const repo = await copyExample('hello-node');
    try {
      const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo.path, encoding: 'utf8' }).trim();
      git('init', '--quiet', '--initial-branch=main');
      git('add', '.');
      git('commit', '--quiet', '-m', 'hello');
      const head = git('rev-parse', 'HEAD');
      const result = await deploy(['--app', 'fromgit', '--git', `file://${repo.path}`, '--ref', 'main', '--json']);
      assert.equal(result.code, ExitCode.ok, show(result));
      const d = parseJson(result);
      assert.equal(d.state, 'preview_ready');
      assert.equal(d.commit, head);
      assert.equal(d.source.kind, 'git');
    } finally {
      await repo.remove();
    }
  });

  test('deployments list and show; an unknown id is exit 4', async () => {
    const list = await h.run(['deployments', 'list', '--app', 'hello', '--json']);
    assert.equal(list.code, ExitCode.ok, show(list));
    const items = parseJson(list).items as Array<{ id: string; state: string; digest: string }>;
    assert.ok(items.length >= 3);
    assert.ok(items.every((d) => d.state === 'preview_ready'));

    const table = await h.run(['deployments', 'list', '--app', 'hello']);
    assert.match(table.stdout, /^ID {2,}STATE {2,}DIGEST {2,}SOURCE {2,}COMMIT {2,}PREVIEW {2,}AGE$/m);
    const first = items[0]!;
    const hex = first.digest.slice('sha256:'.length, 'sha256:'.length + 12);
    assert.match(table.stdout, new RegExp(`^${first.id} {2}preview_ready {2}${hex} {2}upload [0-9a-f]{12} {2}- {2,}hello--[a-z0-9]{8}\\.localhost {2}`, 'm'));

    const detail = await h.run(['deployments', 'show', first.id, '--logs']);
    assert.equal(detail.code, ExitCode.ok, show(detail));
    assert.match(detail.stdout, /^state: {2,}preview_ready \(terminal\)$/m);
    assert.match(detail.stdout, /^GATE {2,}STATUS {2,}AT {2,}EVIDENCE$/m);
    assert.match(detail.stdout, /^secrets\/providers bound {2,}pass {2,}\S+ {2}the app requires no secrets$/m);
    assert.match(detail.stdout, /^Build output$/m);

    const unknown = 'dep_00000000000000000000000000';
    for (const args of [['deployments', 'show', unknown], ['deploy', 'watch', unknown], ['deploy', 'retry', unknown]]) {
      const missing = await h.run(args);
      assert.equal(missing.code, ExitCode.notFound, `${args.join(' ')}: ${show(missing)}`);
      assert.match(missing.stderr, /code: not_found/);
    }
  });
});
