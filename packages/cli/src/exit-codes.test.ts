import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ExitCode } from './exit-codes.js';

// Scripts branch on these numbers, so the README's table and the const must never drift apart.
test('README.md documents exactly the exit codes of ExitCode, by number and name', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Exit codes'));
  const documented = [...section.matchAll(/^\| `(\d+)` \| `(\w+)` \|/gm)].map((m) => [m[2], Number(m[1])]);
  assert.deepEqual(Object.fromEntries(documented), { ...ExitCode }, 'Edit the table under "## Exit codes" in packages/cli/README.md to match src/exit-codes.ts.');
});
