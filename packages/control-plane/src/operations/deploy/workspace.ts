import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where a deploy's files live while it runs: the uploaded source tarball, the fetched source tree,
 * and the tree the build runs in (which becomes the artifact). A step that is re-run after a crash
 * starts from a clean folder, so a half-done earlier attempt cannot leak into the result.
 */
export class DeployWorkspace {
  constructor(readonly dataDir: string, readonly deploymentId: string) {}

  get root(): string {
    return join(this.dataDir, 'builds', this.deploymentId);
  }
  get source(): string {
    return join(this.root, 'source');
  }
  get tree(): string {
    return join(this.root, 'tree');
  }
  get scratch(): string {
    return join(this.root, 'scratch');
  }
  get upload(): string {
    return uploadPath(this.dataDir, this.deploymentId);
  }

  async fresh(dir: string): Promise<string> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Removes the working folders once the deploy has settled; the artifact stays in the store. */
  async cleanUp(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
    await rm(this.upload, { force: true });
  }
}

export function uploadPath(dataDir: string, deploymentId: string): string {
  return join(dataDir, 'uploads', `${deploymentId}.tar`);
}
