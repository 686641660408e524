import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, parseManifest, type Manifest } from '@berth/core';
import { BuildError, cloneRepository, extractTar } from '@berth/builder';
import type { StepOutcome } from '../../engine/executor.js';
import { appendBuildLog } from '../../deployments/build-log.js';
import type { DeploymentRecord } from '../../deployments/deployment-record.js';
import { updateDeployment } from '../../deployments/deployments-store.js';
import type { DeployDeps } from './deploy-deps.js';
import type { DeployWorkspace } from './workspace.js';

/**
 * The `cloning` state: puts the deploy's source in a clean folder (the uploaded tarball unpacked,
 * or the repository cloned at its ref with the commit SHA recorded), then reads and validates
 * berth.toml, so a broken manifest fails here, before any build runs.
 */
export async function fetchSourceStep(deps: DeployDeps, deployment: DeploymentRecord, ws: DeployWorkspace): Promise<StepOutcome> {
  const dir = await ws.fresh(ws.source);
  const now = () => new Date(deps.clock.now());
  let commit: string | undefined;
  if (deployment.source.kind === 'git') {
    await appendBuildLog(deps.db, deployment.id, `Cloning ${deployment.source.url} at ${deployment.source.ref}\n`, now());
    let cloned;
    try {
      cloned = await cloneRepository({ url: deployment.source.url!, ref: deployment.source.ref!, dest: dir, timeoutMs: deps.cloneTimeoutMs ?? 600_000 });
    } catch (error) {
      // A ref that does not exist or a repository that cannot be reached is reported, not retried
      // silently: the person deploying fixes the URL or ref and deploys again.
      if (!(error instanceof BuildError)) throw error;
      await appendBuildLog(deps.db, deployment.id, `${error.message}\n`, now());
      return { to: 'failed', sentence: 'The repository could not be cloned at that ref.', reason: `${error.message.replace(/\.$/, '')}. Check the URL and that the branch, tag or commit exists, then deploy again.`, evidence: { buildFailure: error.reason } };
    }
    commit = cloned.commit;
    await updateDeployment(deps.db, deployment.id, { commit }, now());
    await appendBuildLog(deps.db, deployment.id, `Checked out ${cloned.resolvedRefKind} ${deployment.source.ref} at ${commit}\n`, now());
  } else {
    await extractTar(ws.upload, dir);
  }

  let text: string;
  try {
    text = await readFile(join(dir, 'berth.toml'), 'utf8');
  } catch {
    const reason = 'There is no berth.toml at the root of the source: add one (see the README\'s manifest section) and deploy again.';
    return { to: 'failed', sentence: 'The source has no berth.toml.', reason, evidence: { file: 'berth.toml' } };
  }
  let manifest: Manifest;
  try {
    manifest = parseManifest(text, 'berth.toml');
  } catch (error) {
    if (error instanceof BerthError && error.code === 'invalid_manifest') {
      return { to: 'failed', sentence: 'berth.toml is not valid; nothing was built.', reason: error.message, evidence: { ...(error.details ?? {}) } };
    }
    throw error;
  }
  const migrations = manifest.database ? await readMigrations(join(dir, manifest.database.migrations)) : [];
  await updateDeployment(deps.db, deployment.id, { manifest: manifest as unknown as Record<string, unknown>, migrations }, now());
  return {
    to: 'building',
    sentence: deployment.source.kind === 'git' ? `Cloned ${deployment.source.ref} at ${commit}; berth.toml is valid.` : 'Unpacked the uploaded source; berth.toml is valid.',
    evidence: { ...(commit ? { commit } : {}), migrations: migrations.map((m) => m.name) },
  };
}

async function readMigrations(folder: string): Promise<Array<{ name: string; sql: string }>> {
  let files: string[];
  try {
    files = (await readdir(folder)).filter((f) => f.endsWith('.sql')).sort();
  } catch {
    return [];
  }
  return Promise.all(files.map(async (name) => ({ name, sql: await readFile(join(folder, name), 'utf8') })));
}
