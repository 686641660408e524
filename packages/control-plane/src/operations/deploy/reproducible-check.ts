import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '@berth/core';
import { BuildError, checkReproducible, runBuild, type Digest } from '@berth/builder';
import type { DeploymentRecord } from '../../deployments/deployment-record.js';
import { appendBuildLog } from '../../deployments/build-log.js';
import type { DeployDeps } from './deploy-deps.js';
import type { DeployWorkspace } from './workspace.js';

/**
 * `[validate] reproducible`: builds the same source a second time, in its own tree, and packs it
 * exactly as the artifact was packed. Different digests mean the build is not a function of its
 * source: "build digest mismatch", naming the entries that differ.
 */
export async function reproducibleCheck(deps: DeployDeps, deployment: DeploymentRecord, ws: DeployWorkspace, manifest: Manifest, signal: AbortSignal) {
  const second = await ws.fresh(join(ws.root, 'rebuild'));
  await cp(ws.source, second, { recursive: true, verbatimSymlinks: true });
  await appendBuildLog(deps.db, deployment.id, '\n--- [validate] reproducible: building a second time to compare digests ---\n', new Date(deps.clock.now()));
  if (manifest.build.command) {
    try {
      await runBuild({
        dir: second, command: manifest.build.command, timeoutMs: manifest.build.timeoutMs, outputLimitBytes: manifest.build.outputLimitBytes,
        env: { BERTH_APP_ID: deployment.appId, BERTH_DEPLOYMENT_ID: deployment.id, CI: 'true' }, signal, scratchDir: await ws.fresh(join(ws.root, 'rebuild-scratch')),
        redact: await deps.secrets.allValues(deployment.targetEnvironmentId),
      });
    } catch (error) {
      if (error instanceof BuildError) return { reproducible: false, firstDigest: deployment.digest!, secondDigest: null, changed: [], reason: `the second build failed: ${error.message}` };
      throw error;
    }
  }
  const result = await checkReproducible({ store: deps.artifacts, firstDigest: deployment.digest as Digest, treeDir: second, scratchDir: await ws.fresh(ws.scratch) });
  return { ...result, reason: result.reproducible ? 'both builds produced the same digest' : `a second build produced ${result.secondDigest}, not ${result.firstDigest}; the entries that differ: ${result.changed.slice(0, 10).join(', ')}` };
}
