import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@berth/testkit';
import { BuildError } from '../build/build-error.js';
import { cloneRepository, type CloneOptions } from './clone-repository.js';
import { redactUrl, urlSecrets } from './git-url.js';

// One real repository for the whole file:
//   main:    first (a.txt = one) ── second (a.txt = two)      tags: v-light → first, v-ann → second
//   feature: first ── third (b.txt)
let root: { path: string; remove: () => Promise<void> };
let repo: string;
const sha: Record<'first' | 'second' | 'third' | 'annTag', string> = { first: '', second: '', third: '', annTag: '' };

function git(...args: string[]): string {
  const env = { PATH: '/usr/bin:/bin', HOME: root.path, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
  return execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim();
}

before(async () => {
  root = await tempDir();
  repo = join(root.path, 'origin repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  await writeFile(join(repo, 'a.txt'), 'one\n');
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  sha.first = git('rev-parse', 'HEAD');
  git('tag', 'v-light');
  await writeFile(join(repo, 'a.txt'), 'two\n');
  git('commit', '-q', '-am', 'second');
  sha.second = git('rev-parse', 'HEAD');
  git('tag', '-a', 'v-ann', '-m', 'annotated');
  sha.annTag = git('rev-parse', 'v-ann');
  git('checkout', '-q', '-b', 'feature', sha.first);
  await writeFile(join(repo, 'b.txt'), 'three\n');
  git('add', '.');
  git('commit', '-q', '-m', 'third');
  sha.third = git('rev-parse', 'HEAD');
  git('checkout', '-q', 'main');
});

after(() => root.remove());

async function clone(t: { after: (fn: () => Promise<void>) => void }, ref: string, extra: Partial<CloneOptions> = {}) {
  const dest = await tempDir();
  t.after(dest.remove);
  const result = await cloneRepository({ url: repo, ref, dest: join(dest.path, 'src'), ...extra });
  return { result, dest: join(dest.path, 'src') };
}

test('a branch is cloned at its tip, without .git', async (t) => {
  const { result, dest } = await clone(t, 'feature');
  assert.deepEqual(result, { commit: sha.third, ref: 'feature', resolvedRefKind: 'branch' });
  assert.deepEqual((await readdir(dest)).sort(), ['a.txt', 'b.txt']);
  assert.equal(await readFile(join(dest, 'a.txt'), 'utf8'), 'one\n');
  const main = await clone(t, 'main');
  assert.equal(main.result.commit, sha.second);
  assert.equal((await clone(t, 'HEAD')).result.commit, sha.second, 'HEAD is the default branch');
});

test('a lightweight tag and an annotated tag record the commit, not the tag object', async (t) => {
  const light = await clone(t, 'v-light');
  assert.deepEqual(light.result, { commit: sha.first, ref: 'v-light', resolvedRefKind: 'tag' });
  const annotated = await clone(t, 'v-ann');
  assert.deepEqual(annotated.result, { commit: sha.second, ref: 'v-ann', resolvedRefKind: 'tag' });
  assert.notEqual(sha.annTag, sha.second);
  assert.equal((await clone(t, 'refs/tags/v-ann')).result.commit, sha.second);
});

test('a full and an abbreviated commit id are checked out at that commit', async (t) => {
  const full = await clone(t, sha.first);
  assert.deepEqual(full.result, { commit: sha.first, ref: sha.first, resolvedRefKind: 'commit' });
  assert.equal(await readFile(join(full.dest, 'a.txt'), 'utf8'), 'one\n');
  const short = sha.third.slice(0, 8);
  const abbreviated = await clone(t, short);
  assert.deepEqual(abbreviated.result, { commit: sha.third, ref: short, resolvedRefKind: 'commit' });
  assert.deepEqual((await readdir(abbreviated.dest)).sort(), ['a.txt', 'b.txt']);
});

test('a file:// URL works like a path', async (t) => {
  const { result } = await clone(t, 'main', { url: `file://${repo}` });
  assert.equal(result.commit, sha.second);
});

test('an unknown ref, an unknown commit and an unreachable repository fail clearly and leave dest empty', async (t) => {
  const dest = await tempDir();
  t.after(dest.remove);
  const attempt = (url: string, ref: string) => cloneRepository({ url, ref, dest: dest.path }).then(() => assert.fail('expected a failure'), (e: unknown) => e as BuildError);

  const unknown = await attempt(repo, 'no-such-branch');
  assert.ok(unknown instanceof BuildError);
  assert.equal(unknown.reason, 'git');
  assert.equal(unknown.message, `Could not clone ${repo} at "no-such-branch": it has no branch or tag named "no-such-branch", and that is not a commit id.`);
  assert.deepEqual(await readdir(dest.path), []);

  const noCommit = await attempt(repo, 'deadbeef');
  assert.match(noCommit.message, /at "deadbeef": no commit reachable from its branches and tags starts with deadbeef\. git said: /);

  const missing = await attempt(join(root.path, 'nowhere'), 'main');
  assert.match(missing.message, /nowhere at "main": the repository could not be reached\. git said: .*does not appear to be a git repository/);
  assert.deepEqual(await readdir(dest.path), []);
});

test('refs and URLs that git could read as options are refused before git runs', async () => {
  for (const [url, ref] of [[repo, '--upload-pack=touch /tmp/x'], ['--upload-pack=x', 'main'], [repo, 'main\nfake line']] as const) {
    await assert.rejects(cloneRepository({ url, ref, dest: '/nonexistent/never-created' }), (error: unknown) => error instanceof BuildError && error.reason === 'git');
  }
  await assert.rejects(cloneRepository({ url: 'ext::sh -c touch% /tmp/berth-ext', ref: 'main', dest: join(root.path, 'ext') }), /transport 'ext' not allowed/);
});

test('credentials in a URL never appear in messages or output', async (t) => {
  const dest = await tempDir();
  t.after(dest.remove);
  const output: string[] = [];
  const url = 'https://deploy:s3cret%2Dtoken@127.0.0.1:1/app.git';
  const error = await cloneRepository({ url, ref: 'main', dest: dest.path, onOutput: (chunk) => output.push(chunk) }).catch((e: unknown) => e as BuildError);
  assert.ok(error instanceof BuildError);
  assert.match(error.message, /^Could not clone https:\/\/deploy:\*\*\*@127\.0\.0\.1:1\/app\.git at "main": the repository could not be reached/);
  for (const text of [error.message, output.join('')]) {
    assert.doesNotMatch(text, /s3cret/);
  }
});

test('URL redaction hides passwords and tokens but keeps login names', () => {
  assert.equal(redactUrl('https://user:pa55@example.com/r.git'), 'https://user:***@example.com/r.git');
  assert.equal(redactUrl('https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r'), 'https://***@github.com/o/r');
  assert.equal(redactUrl('ssh://git@example.com/r.git'), 'ssh://git@example.com/r.git');
  assert.equal(redactUrl('git@example.com:o/r.git'), 'git@example.com:o/r.git');
  assert.equal(redactUrl('/srv/repos/app'), '/srv/repos/app');
  assert.deepEqual(urlSecrets('https://u:a%40b@h/r'), ['a%40b', 'a@b', 'u:a%40b', 'u:a@b']);
  assert.deepEqual(urlSecrets('ssh://git@h/r'), []);
});
