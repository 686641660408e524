import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { tempDir } from '@berth/testkit';
import { writeTree } from '../test-support/tree-fixture.js';
import { compareBytes } from '../tar/tar-path.js';
import { collectSource } from './collect-source.js';

// git is the reference for what .gitignore means, so the same tree is asked of both.
const hasGit = (() => {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('collectSource keeps the same files as git for layered .gitignore files', { skip: !hasGit && 'git is not installed' }, async (t) => {
  const dir = await tempDir();
  t.after(dir.remove);
  await writeTree(dir.path, {
    '.gitignore': 'dist/\n*.map\nbuild/\n/logs/*\n!/logs/keep.txt\nnode_modules\n**/c/*.tmp\n',
    'web/.gitignore': '!build/\n*.js\n!keep.js\n',
    'a/b/.gitignore': '!*.tmp\n',
    'a/b/c/x.tmp': 'x', 'a/b/y.tmp': 'x', 'a/b/c/z.js': 'x', 'dist/x/a.js': 'x',
    'web/build/o.js': 'x', 'web/build/keep.js': 'x', 'web/dist/d.js': 'x', 'web/i.js': 'x', 'web/keep.js': 'x',
    'web/m.map': 'x', 'logs/keep.txt': 'x', 'logs/other.txt': 'x', 'node_modules/p/i.js': 'x',
    'sp ace/f.txt': 'x', 'root.js': 'x',
  });
  execFileSync('git', ['init', '-q', dir.path]);
  const fromGit = execFileSync('git', ['-C', dir.path, 'ls-files', '--others', '--exclude-standard', '-z'], { encoding: 'utf8' })
    .split('\0')
    .filter((path) => path !== '')
    .sort(compareBytes);
  const ours = (await collectSource(dir.path, { maxBytes: 1_000_000 })).map((file) => file.path);
  assert.deepEqual(ours, fromGit);
  assert.ok(ours.includes('web/build/keep.js') && !ours.includes('web/build/o.js'));
});
