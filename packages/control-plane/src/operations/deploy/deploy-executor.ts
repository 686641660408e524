import { BerthError } from '@berth/core';
import type { Executor, StepOutcome } from '../../engine/executor.js';
import { findDeploymentByOperation } from '../../deployments/deployments-store.js';
import type { DeployDeps } from './deploy-deps.js';
import { buildStep } from './build-step.js';
import { fetchSourceStep } from './fetch-source-step.js';
import { validateStep } from './validate-step.js';
import { DeployWorkspace } from './workspace.js';

/**
 * The deploy pipeline (docs/operations/deploy.md): queued → cloning → building → validating →
 * preview_ready, or blocked / failed with a named failure mode. One step per active state; the
 * engine persists each transition before the next step runs.
 */
export function deployExecutor(deps: DeployDeps): Executor {
  return {
    kind: 'deploy',
    async step(ctx): Promise<StepOutcome> {
      const deployment = await findDeploymentByOperation(deps.db, ctx.operation.id);
      if (!deployment) throw new BerthError('not_found', `The deploy operation ${ctx.operation.id} has no deployment record.`);
      const ws = new DeployWorkspace(deps.dataDir, deployment.id);
      const [meta] = await deps.db.query<{ app: string; env: string }>(
        'SELECT a.name AS app, e.name AS env FROM apps a JOIN environments e ON e.app_id = a.id WHERE e.id = $1',
        [deployment.targetEnvironmentId],
      );
      if (!meta) return { to: 'failed', sentence: 'The app was deleted while it was deploying.', reason: 'The app or its environment no longer exists.' };
      let outcome: StepOutcome;
      switch (ctx.operation.state) {
        case 'queued':
          outcome = { to: 'cloning', sentence: deployment.source.kind === 'git' ? `Fetching ${deployment.source.url} at ${deployment.source.ref}.` : 'Unpacking the uploaded source.' };
          break;
        case 'cloning':
          outcome = await fetchSourceStep(deps, deployment, ws);
          break;
        case 'building':
          outcome = await buildStep(deps, deployment, ws, ctx);
          break;
        case 'validating':
          outcome = await validateStep(deps, deployment, ws, ctx, meta.app, meta.env);
          break;
        default:
          throw new BerthError('illegal_transition', `The deploy executor has no step for state "${ctx.operation.state}".`);
      }
      if ('to' in outcome && (outcome.to === 'preview_ready' || outcome.to === 'failed')) await ws.cleanUp();
      return outcome;
    },
  };
}
