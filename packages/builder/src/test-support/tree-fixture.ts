import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A file's content, a file with a mode, or a symlink, for building test trees in one literal. */
export type FixtureNode = string | Buffer | { content: string | Buffer; mode: number } | { symlink: string };

/**
 * Writes a tree of files under `root` from a map of relative paths, creating folders on the way.
 * Tests describe the tree they need in a few lines instead of a page of fs calls.
 */
export async function writeTree(root: string, tree: Record<string, FixtureNode>): Promise<void> {
  for (const [path, node] of Object.entries(tree)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    if (typeof node === 'string' || Buffer.isBuffer(node)) {
      await writeFile(target, node);
    } else if ('symlink' in node) {
      await symlink(node.symlink, target);
    } else {
      await writeFile(target, node.content);
      await chmod(target, node.mode);
    }
  }
}
