import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { tempDir } from '@berth/testkit';
import { BuildError } from '../build/build-error.js';
import { writeTree } from '../test-support/tree-fixture.js';
import { checkGeneratedCurrent } from './generated-current.js';
import { diffFingerprints } from './tree-fingerprint.js';

const SOURCE = {
  'schema.txt': 'user\n',
  'gen/schema.ts': 'export type T = "user";\n',
  '.gitignore': 'cache/\n',
  'bin/gen': { content: '#!/bin/sh\n', mode: 0o755 },
};

async function check(t: { after: (fn: () => Promise<void>) => void }, command: string) {
  const source = await tempDir();
  const scratch = await tempDir();
  t.after(source.remove);
  t.after(scratch.remove);
  await writeTree(source.path, SOURCE);
  const result = await checkGeneratedCurrent({ dir: source.path, command, timeoutMs: 20_000, scratchParent: scratch.path });
  // The check works on a copy: the source is untouched and the scratch folder is gone.
  assert.equal(await readFile(`${source.path}/gen/schema.ts`, 'utf8'), SOURCE['gen/schema.ts']);
  assert.deepEqual(await readdir(scratch.path), []);
  return result;
}

test('a generator that writes identical content is current', async (t) => {
  const result = await check(t, `printf 'export type T = "%s";\\n' $(cat schema.txt) > gen/schema.ts; echo regenerated`);
  assert.deepEqual(result, { current: true, changed: [], changedCount: 0, tail: ['regenerated'], durationMs: result.durationMs });
});

test('a generator that changes a file is not current and names the file', async (t) => {
  const result = await check(t, 'echo "export type T = \\"admin\\";" > gen/schema.ts');
  assert.equal(result.current, false);
  assert.deepEqual(result.changed, ['gen/schema.ts']);
});

test('added, removed and re-moded files are named, sorted', async (t) => {
  const result = await check(t, 'echo new > gen/extra.ts; rm schema.txt; chmod -x bin/gen');
  assert.equal(result.current, false);
  assert.deepEqual(result.changed, ['bin/gen', 'gen/extra.ts', 'schema.txt']);
  assert.equal(result.changedCount, 3);
});

test('files the source ignores do not count as changes', async (t) => {
  const result = await check(t, 'mkdir -p cache && echo x > cache/state && mkdir .git && echo ref > .git/HEAD');
  assert.equal(result.current, true);
});

test('a failing generator fails the check as a build failure would', async (t) => {
  const error = await check(t, 'echo broken >&2; exit 2').then(() => assert.fail('expected a failure'), (e: unknown) => e);
  assert.ok(error instanceof BuildError);
  assert.equal(error.reason, 'exit');
  assert.match(error.message, /^The \[validate\] generated command failed with exit code 2/);
  assert.deepEqual(error.tail, ['broken']);
});

test('the list of changed paths is capped at 50, with the full count beside it', () => {
  const before = new Map(Array.from({ length: 70 }, (_, i) => [`f${String(i).padStart(2, '0')}`, 'a']));
  const diff = diffFingerprints(before, new Map());
  assert.equal(diff.changed.length, 50);
  assert.equal(diff.changedCount, 70);
  assert.equal(diff.changed[0], 'f00');
});
