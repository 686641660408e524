import { BerthError, type GateResult, type Manifest } from '@berth/core';
import { packageArtifact } from '@berth/builder';
import { checkGeneratedCurrent } from '@berth/builder';
import type { StepContext, StepOutcome } from '../../engine/executor.js';
import type { DeploymentRecord } from '../../deployments/deployment-record.js';
import { currentDeploymentOf, findDeployment, updateDeployment } from '../../deployments/deployments-store.js';
import type { DeployDeps } from './deploy-deps.js';
import type { DeployWorkspace } from './workspace.js';
import { dbImpactGate } from './gates/db-impact-gate.js';
import { liveStateGate } from './gates/live-state-gate.js';
import { secretsGate } from './gates/secrets-gate.js';
import { ensurePreviewEnvironment } from './preview-environment.js';
import { reproducibleCheck } from './reproducible-check.js';

function approvedFor(ctx: StepContext, failureMode: string): boolean {
  const approvals = (ctx.operation.output.approvals ?? []) as Array<{ failureMode: string }>;
  return approvals.some((a) => a.failureMode === failureMode);
}

async function generatedGate(deps: DeployDeps, manifest: Manifest, ws: DeployWorkspace): Promise<GateResult> {
  if (!manifest.validate.generated) return { gate: 'generated artifacts current', status: 'pass', evidence: { reason: 'no [validate] generated command is declared' } };
  const result = await checkGeneratedCurrent({ dir: ws.source, command: manifest.validate.generated, timeoutMs: manifest.build.timeoutMs, scratchParent: await ws.fresh(ws.scratch) });
  return result.current
    ? { gate: 'generated artifacts current', status: 'pass', evidence: { reason: `\`${manifest.validate.generated}\` left the tree unchanged` } }
    : { gate: 'generated artifacts current', status: 'fail', evidence: { reason: `\`${manifest.validate.generated}\` changed ${result.changed.length} file(s): regenerate them, commit, and deploy again`, changed: result.changed } };
}

/**
 * The `validating` state: packages the built tree into the artifact (or, on a retry, verifies the
 * stored one still hashes to its digest), checks the four gates with their evidence, and either
 * publishes the preview or stops with the failure mode that says what a person must do.
 */
export async function validateStep(deps: DeployDeps, start: DeploymentRecord, ws: DeployWorkspace, ctx: StepContext, appName: string, environmentName: string): Promise<StepOutcome> {
  const now = () => new Date(deps.clock.now());
  let deployment = start;
  const manifest = deployment.manifest as unknown as Manifest;
  if (!deployment.digest) {
    const packaged = await packageArtifact({ treeDir: ws.tree, manifest, store: deps.artifacts, scratchDir: await ws.fresh(ws.scratch) });
    await updateDeployment(deps.db, deployment.id, { digest: packaged.digest, assetManifest: packaged.assetManifest as unknown[] }, now());
    deployment = (await findDeployment(deps.db, deployment.id))!;
    if (manifest.validate.reproducible) {
      const check = await reproducibleCheck(deps, deployment, ws, manifest, ctx.signal);
      if (!check.reproducible) {
        return { failureMode: 'build digest mismatch', sentence: 'A second build of the same source produced a different artifact.', reason: `${check.reason}. Make the build deterministic (no timestamps, sorted inputs), or remove [validate] reproducible.`, evidence: { firstDigest: check.firstDigest, secondDigest: check.secondDigest, changed: check.changed } };
      }
    }
  }
  try {
    await deps.artifacts.verify(deployment.digest!);
  } catch (error) {
    if (error instanceof BerthError && error.code === 'artifact_digest_mismatch') {
      return { failureMode: 'build digest mismatch', sentence: 'The stored artifact no longer hashes to its digest.', reason: `${error.message} Deploy again to build a fresh artifact, and check the data directory for tampering.`, evidence: { ...(error.details ?? {}) } };
    }
    throw error;
  }

  const production = await currentDeploymentOf(deps.db, deployment.targetEnvironmentId);
  const productionManifest = production?.manifest as unknown as Manifest | undefined;
  const generated = await generatedGate(deps, manifest, ws);
  const live = liveStateGate(manifest, productionManifest, approvedFor(ctx, 'cold deploy needs approval'));
  const db = await dbImpactGate(deployment.migrations ?? [], production?.migrations ?? [], approvedFor(ctx, 'migration blocks preview'));
  const secrets = await secretsGate(manifest, deployment.targetEnvironmentId, environmentName, deps.secrets);
  const gates = [generated, live.gate, db.gate, secrets];
  const evidence = { digest: deployment.digest, production: production ? { deployment: production.id, digest: production.digest } : null };

  // The failure modes in order of what a person must fix first.
  if (generated.status === 'fail') return { failureMode: 'stale artifacts', gates, sentence: 'Generated files are out of date.', reason: String(generated.evidence.reason), evidence };
  if (db.blocks) return { failureMode: 'migration blocks preview', gates, sentence: 'A migration is contract or destructive; the preview waits for approval.', reason: `${String(db.gate.evidence.reason)}: a preview never migrates production data. Review the migration, then \`berth deploy approve ${deployment.id}\`, or change it to expand-only.`, evidence };
  if (live.impact === 'incompatible' && live.gate.status === 'fail') return { failureMode: 'cold deploy needs approval', gates, sentence: 'Live sessions cannot carry over; the deploy waits for approval.', reason: `${String(live.gate.evidence.reason)}. Approve with \`berth deploy approve ${deployment.id}\`, or keep state_schema compatible.`, evidence };
  if (gates.some((gate) => gate.status === 'fail')) return { to: 'blocked', gates, sentence: 'A gate failed; the deploy waits for it to be fixed.', evidence };

  const preview = await ensurePreviewEnvironment(deps.db, deployment, appName, deps.baseDomain, now());
  return {
    to: 'preview_ready',
    gates,
    sentence: `The artifact ${deployment.digest} is ready on its preview, ${preview.hostname}.`,
    evidence: { ...evidence, previewHost: preview.hostname, epoch: preview.epoch },
    output: { digest: deployment.digest, previewHost: preview.hostname, deploymentId: deployment.id },
  };
}
