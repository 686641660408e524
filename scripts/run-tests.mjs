#!/usr/bin/env node
// Runs every compiled test file (`*.test.js` under each package's dist/), and the benchmarks' own
// checks (`bench/lib/*.test.mjs`), with the Node test runner.
// `npm test` builds first. Extra arguments are passed to `node --test` (for example
// `--test-name-pattern=lease`); a path ending in .test.js or a package folder narrows the files.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));

function walk(dir, out) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = statSync(path);
    if (stat.isDirectory()) walk(path, out);
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const roots = [];
for (const pkg of readdirSync(join(root, 'packages'))) roots.push(join(root, 'packages', pkg, 'dist'));
roots.push(join(root, 'e2e', 'dist'));
let files = roots.filter(existsSync).flatMap((dir) => walk(dir, [])).sort();
// The benchmarks' own checks (how a benchmark judges its runs) are plain .mjs beside them.
const benchLib = join(root, 'bench', 'lib');
if (existsSync(benchLib)) files.push(...readdirSync(benchLib).filter((entry) => entry.endsWith('.test.mjs')).sort().map((entry) => join(benchLib, entry)));
if (filters.length > 0) files = files.filter((f) => filters.some((flt) => f.includes(flt.replace(/\.ts$/, '.js').replace(/\bsrc\//, 'dist/'))));
if (files.length === 0) {
  console.error('run-tests: no test files found (did `tsc --build` run?)');
  process.exit(1);
}

// Each file runs in its own process; two cores take three files at a time well because most
// suites wait on sockets and databases rather than compute.
const concurrency = process.env.BERTH_TEST_CONCURRENCY ?? String(Math.max(3, availableParallelism() + 1));
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...flags, ...files], {
  stdio: 'inherit',
  env: { ...process.env, BERTH_REPO_ROOT: root },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
