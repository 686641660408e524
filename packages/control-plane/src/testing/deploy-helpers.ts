import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packSource } from '@berth/builder';
import { eventually, tempDir } from '@berth/testkit';
import type { TestControlPlane } from './test-control-plane.js';

/** The repository's examples/ folder. */
export function examplesDir(): string {
  return join(process.env.BERTH_REPO_ROOT ?? new URL('../../../../', import.meta.url).pathname, 'examples');
}

/** A scratch copy of an example, to change before deploying it. */
export async function copyExample(name: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await tempDir(`berth-example-${name}-`);
  await cp(join(examplesDir(), name), dir.path, { recursive: true });
  return dir;
}

/** Deploys a folder the way `berth deploy` does: packed honouring ignore files, uploaded as a tar. */
export async function deployFolder(t: TestControlPlane, app: string, folder: string, options: { environment?: string; idempotencyKey?: string } = {}) {
  const scratch = await tempDir('berth-upload-');
  try {
    const tarFile = join(scratch.path, 'source.tar');
    await packSource(folder, tarFile, { maxBytes: 64 * 1024 * 1024 });
    const payload = await readFile(tarFile);
    const query = options.environment ? `?environment=${options.environment}` : '';
    const res = await t.cp.api.inject({
      method: 'POST',
      url: `/api/apps/${app}/deployments${query}`,
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/x-tar', ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}) },
      payload,
    });
    return { status: res.statusCode, body: JSON.parse(res.body) };
  } finally {
    await scratch.remove();
  }
}

/** Waits until the deployment's operation is in one of `states`, and returns the deployment. */
export async function waitForDeployment(t: TestControlPlane, id: string, states: string[], timeoutMs = 60_000) {
  return eventually(async () => {
    const res = await t.call('GET', `/api/deployments/${id}`);
    return states.includes(res.body.state) ? res.body : undefined;
  }, { timeoutMs, message: `deployment ${id} reached ${states.join(' or ')}` });
}
