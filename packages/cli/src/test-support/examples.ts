import { existsSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@berth/testkit';

/**
 * The repository's examples/ (hello-node, static-site, shop) for deploy tests: found through
 * BERTH_REPO_ROOT (set by scripts/run-tests.mjs) or by walking up from this file, and copied to
 * a scratch folder before a test changes anything in one.
 */
export function repoRoot(): string {
  if (process.env.BERTH_REPO_ROOT) return process.env.BERTH_REPO_ROOT;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'examples')) && existsSync(join(dir, 'packages'))) return dir;
  }
  throw new Error('Cannot find the repository root (a folder with examples/ and packages/); set BERTH_REPO_ROOT.');
}

export function examplePath(name: string): string {
  return join(repoRoot(), 'examples', name);
}

/** A scratch copy of an example; `remove` deletes it. */
export async function copyExample(name: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await tempDir(`berth-cli-example-${name}-`);
  await cp(examplePath(name), dir.path, { recursive: true });
  return dir;
}
