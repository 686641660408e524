import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyExample, deployFolder, examplesDir, startTestControlPlane, waitForDeployment, type TestControlPlane } from '../../testing/index.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();

describe('deploy sources and artifact integrity', () => {
  let t: TestControlPlane;
  let repo: { path: string; remove: () => Promise<void> };
  const commits: Record<string, string> = {};
  before(async () => {
    t = await startTestControlPlane();
    assert.equal((await t.call('POST', '/api/apps', { body: { name: 'gitapp' } })).status, 201);
    assert.equal((await t.call('POST', '/api/apps', { body: { name: 'tamper' } })).status, 201);
    repo = await copyExample('hello-node');
    git(repo.path, 'init', '-q', '-b', 'main');
    git(repo.path, 'add', '.');
    git(repo.path, 'commit', '-q', '-m', 'v1');
    commits.v1 = git(repo.path, 'rev-parse', 'HEAD');
    git(repo.path, 'tag', '-a', 'v1.0', '-m', 'release');
    git(repo.path, 'checkout', '-q', '-b', 'feature');
    execFileSync('sh', ['-c', 'echo "// feature" >> server.js'], { cwd: repo.path });
    git(repo.path, 'commit', '-q', '-am', 'feature');
    commits.feature = git(repo.path, 'rev-parse', 'HEAD');
    git(repo.path, 'checkout', '-q', 'main');
  });
  after(async () => {
    await t?.close();
    await repo?.remove();
  });

  const deployGit = async (ref: string) => {
    const res = await t.call('POST', '/api/apps/gitapp/deployments', { body: { git: { url: `file://${repo.path}`, ref } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return waitForDeployment(t, res.body.id, ['preview_ready', 'failed', 'blocked']);
  };

  for (const [ref, commit] of [['main', 'v1'], ['feature', 'feature'], ['v1.0', 'v1'], ['SHA', 'v1'], ['SHORT', 'feature']] as const) {
    test(`deploying from a real git repository at ${ref} records the right commit`, async () => {
      const name = ref === 'SHA' ? commits.v1! : ref === 'SHORT' ? commits.feature!.slice(0, 10) : ref;
      const d = await deployGit(name);
      assert.equal(d.state, 'preview_ready', d.reason);
      assert.equal(d.commit, commits[commit]);
      assert.equal(d.source.kind, 'git');
      assert.equal(d.source.ref, name);
    });
  }

  test('a ref that does not exist fails clearly, without retrying', async () => {
    const d = await deployGit('no-such-branch');
    assert.equal(d.state, 'failed');
    assert.match(d.reason, /no-such-branch/);
  });

  test('the same commit by branch and by tag builds the same digest', async () => {
    const a = await deployGit('main');
    const b = await deployGit('v1.0');
    assert.equal(a.digest, b.digest);
  });

  test('a tampered stored artifact is refused on read: build digest mismatch', async () => {
    const d = await waitForDeployment(t, (await deployFolder(t, 'tamper', join(examplesDir(), 'shop'))).body.id, ['blocked', 'failed']);
    assert.equal(d.state, 'blocked', d.reason);
    const file = t.cp.artifacts.path(d.digest);
    await chmod(file, 0o644);
    const handle = await open(file, 'r+');
    const [byte] = (await handle.read(Buffer.alloc(1), 0, 1, 600)).buffer;
    await handle.write(Buffer.from([byte! ^ 0xff]), 0, 1, 600);
    await handle.close();
    await assert.rejects(t.cp.artifacts.verify(d.digest), { code: 'artifact_digest_mismatch' });
    await t.call('PATCH', '/api/apps/tamper/environments/production/secrets', { body: { set: { DATABASE_URL: 'x', STRIPE_WEBHOOK_SECRET: 'y' } } });
    assert.equal((await t.call('POST', `/api/deployments/${d.id}/retry`)).status, 200);
    const failed = await waitForDeployment(t, d.id, ['failed', 'preview_ready']);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.failureMode, 'build digest mismatch');
    assert.match(failed.reason, /now hashes to sha256:/);
    assert.ok((await readFile(file)).length > 0);
  });

  test('an upload past the limit is refused with 413 and leaves nothing behind', async () => {
    const small = await startTestControlPlane({ uploadLimit: 1024 });
    try {
      await small.call('POST', '/api/apps', { body: { name: 'big' } });
      const res = await deployFolder(small, 'big', join(examplesDir(), 'shop'));
      assert.equal(res.status, 413);
      assert.equal(res.body.error.code, 'source_too_large');
      const [{ n }] = await small.cp.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deployments') as [{ n: number }];
      assert.equal(n, 0);
    } finally {
      await small.close();
    }
  });

  test('a body that is not a tar archive is refused with 400', async () => {
    const res = await t.cp.api.inject({ method: 'POST', url: '/api/apps/gitapp/deployments', headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/x-tar' }, payload: Buffer.from('this is not a tarball at all '.repeat(40)) });
    assert.equal(res.statusCode, 400);
    assert.equal(JSON.parse(res.body).error.code, 'invalid_body');
  });
});
