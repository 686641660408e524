import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '@berth/core';
import { BuildError, runBuild } from '@berth/builder';
import type { StepContext, StepOutcome } from '../../engine/executor.js';
import { appendBuildLog } from '../../deployments/build-log.js';
import type { DeploymentRecord } from '../../deployments/deployment-record.js';
import type { DeployDeps } from './deploy-deps.js';
import type { DeployWorkspace } from './workspace.js';

/** Build output is written to the log in batches, in order, so a chatty build is not a row per line. */
function batchedLog(deps: DeployDeps, deploymentId: string) {
  let pending = '';
  let chain = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (!pending) return chain;
    const text = pending;
    pending = '';
    chain = chain.then(() => appendBuildLog(deps.db, deploymentId, text, new Date(deps.clock.now()))).catch(() => {});
    return chain;
  };
  return {
    write(chunk: string) {
      pending += chunk;
      if (pending.length > 16_384) void flush();
      else timer ??= setTimeout(flush, 150);
    },
    async close() {
      if (timer) clearTimeout(timer);
      await flush();
    },
  };
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * The `building` state: copies the source into a clean build tree and runs `[build] command` in it
 * (sandboxed by the builder where bubblewrap is installed), streaming output into the build log.
 * A failing build ends in `failed` with the last lines of its output; one past its time limit is
 * stopped and says so. Re-run after a crash, it starts again from the source.
 */
export async function buildStep(deps: DeployDeps, deployment: DeploymentRecord, ws: DeployWorkspace, ctx: StepContext): Promise<StepOutcome> {
  const manifest = deployment.manifest as unknown as Manifest;
  await ws.fresh(ws.tree);
  await cp(ws.source, ws.tree, { recursive: true, verbatimSymlinks: true });
  if (ctx.takeover) await appendBuildLog(deps.db, deployment.id, '\n--- The control plane restarted during the build; building again from the source ---\n', new Date(deps.clock.now()));
  if (!manifest.build.command) {
    return { to: 'validating', sentence: 'No [build] command: the source is the artifact.', evidence: { build: 'none' } };
  }
  const log = batchedLog(deps, deployment.id);
  const redact = await deps.secrets.allValues(deployment.targetEnvironmentId);
  log.write(`$ ${manifest.build.command}\n`);
  try {
    const result = await runBuild({
      dir: ws.tree,
      command: manifest.build.command,
      timeoutMs: manifest.build.timeoutMs,
      outputLimitBytes: manifest.build.outputLimitBytes,
      env: { BERTH_APP_ID: deployment.appId, BERTH_DEPLOYMENT_ID: deployment.id, CI: 'true', HOME: join(ws.scratch, 'home') },
      onOutput: (chunk: string) => log.write(chunk),
      signal: ctx.signal,
      redact,
    });
    await log.close();
    return { to: 'validating', sentence: `The build finished in ${formatDuration(result.durationMs)}.`, evidence: { durationMs: result.durationMs, outputBytes: result.outputBytes, sandboxed: result.sandboxed } };
  } catch (error) {
    await log.close();
    if (error instanceof BuildError) {
      const tail = (error.tail ?? []).join('\n');
      const reason = error.reason === 'timeout'
        ? `The build ran past its limit of ${formatDuration(manifest.build.timeoutMs)} and was stopped. Make it faster, or raise [build] timeout in berth.toml.`
        : error.reason === 'output_limit'
          ? `The build printed more than [build] output_limit (${manifest.build.outputLimitBytes} bytes) and was stopped. Print less, or raise output_limit.`
          : `${error.message.replace(/\.$/, "")}. The last lines of its output:\n${tail}`;
      return { to: 'failed', sentence: error.reason === 'timeout' ? 'The build ran past its time limit and was stopped.' : 'The build failed.', reason, evidence: { buildFailure: error.reason, tail: error.tail ?? [] } };
    }
    throw error;
  }
}
