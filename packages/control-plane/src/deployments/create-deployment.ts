import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { newId } from '@berth/core';
import type { OperationEngine } from '../engine/operation-engine.js';
import type { OperationRecord } from '../engine/operation-record.js';
import type { Db } from '../store/db.js';
import type { DeploymentRecord } from './deployment-record.js';
import { findDeploymentByOperation, insertDeployment } from './deployments-store.js';
import { uploadPath } from '../operations/deploy/workspace.js';

export type DeploySource =
  | { kind: 'upload'; tempFile: string; digest: string; size: number }
  | { kind: 'git'; url: string; ref: string };

/** Eight lowercase base32 characters: the label that names a preview, `<app>--<short id>`. */
function shortId(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return Array.from(randomBytes(8), (b) => alphabet[b % alphabet.length]).join('');
}

/**
 * Records a deploy: its deployment row and its deploy operation, in one transaction, so neither
 * exists without the other. A retry with the same Idempotency-Key and the same source returns the
 * first deploy instead of starting another.
 */
export async function createDeployment(
  deps: { db: Db; engine: OperationEngine; dataDir: string; now: () => Date },
  req: { orgId: string; appId: string; appName: string; environmentId: string; source: DeploySource; idempotencyKey?: string; actor: string },
): Promise<{ deployment: DeploymentRecord; operation: OperationRecord; created: boolean }> {
  const deploymentId = newId('deployment', deps.now().getTime());
  const source = req.source.kind === 'git' ? { kind: 'git' as const, url: req.source.url, ref: req.source.ref } : { kind: 'upload' as const, digest: req.source.digest, size: req.source.size };
  if (req.source.kind === 'upload') {
    // Move the upload into place first: a deploy whose row exists must find its source.
    mkdirSync(dirname(uploadPath(deps.dataDir, deploymentId)), { recursive: true, mode: 0o700 });
    await rename(req.source.tempFile, uploadPath(deps.dataDir, deploymentId));
  }
  try {
    const { operation, created } = await deps.engine.create({
      orgId: req.orgId,
      kind: 'deploy',
      subject: { type: 'deployment', id: deploymentId },
      input: { app: req.appName, environmentId: req.environmentId, source },
      fingerprint: { app: req.appId, environment: req.environmentId, source },
      ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
      actor: req.actor,
      onCreate: async (tx, op) => {
        await insertDeployment(tx, {
          id: deploymentId, orgId: req.orgId, appId: req.appId, targetEnvironmentId: req.environmentId, operationId: op.id, shortId: shortId(),
          source: req.source.kind === 'git' ? { kind: 'git', url: req.source.url, ref: req.source.ref } : { kind: 'upload', digest: req.source.digest }, now: deps.now(),
        });
      },
    });
    if (!created) await rm(uploadPath(deps.dataDir, deploymentId), { force: true });
    const deployment = await findDeploymentByOperation(deps.db, operation.id);
    return { deployment: deployment!, operation, created };
  } catch (error) {
    await rm(uploadPath(deps.dataDir, deploymentId), { force: true });
    throw error;
  }
}
