import { waitUntilReady } from '../../readiness/readiness-probe.js';
import { formatDuration } from '../durations.js';
import { AllocationFailed, type PrerunHook } from '../hook.js';

const gate = 'health/readiness pass';

/**
 * ready, and the "health/readiness pass" gate. Polls the manifest's health path until it answers
 * 2xx and only then reports `ready`, with the attempts, the time it took and the status as
 * evidence and the address the edge should route to. An app is never counted ready before it can
 * serve. A timeout fails the allocation with the last answer or error seen; an exit before
 * readiness fails it with the exit, as OOM when the memory limit ended it.
 */
export const readinessHook = {
  name: 'readiness',
  async prerun(ctx) {
    const running = ctx.running;
    if (!running || ctx.signal.aborted) return;
    const path = ctx.assignment.health;
    const result = await waitUntilReady({
      ...running.address,
      path,
      timeoutMs: ctx.deps.readinessTimeoutMs ?? 60_000,
      intervalMs: ctx.deps.readinessIntervalMs ?? 250,
      signal: ctx.signal,
      exited: running.exited,
    });
    if (ctx.signal.aborted) return;
    if (result.ready) {
      const evidence = { path, attempts: result.attempts, elapsedMs: result.elapsedMs, status: result.status };
      await ctx.transition({
        to: 'ready',
        sentence: `ready: GET ${path} answered ${result.status} after ${result.attempts} ${result.attempts === 1 ? 'attempt' : 'attempts'} in ${formatDuration(result.elapsedMs)}`,
        gates: [{ gate, status: 'pass', evidence }],
        evidence: { ...evidence, ...(running.sandboxed !== undefined ? { sandboxed: running.sandboxed } : {}), ...(running.memoryLimit ? { memoryLimit: running.memoryLimit } : {}) },
        address: running.address,
      });
      return;
    }
    const { reason, attempts, elapsedMs, lastStatus, lastError, exit } = result;
    const evidence = { path, attempts, elapsedMs, ...(lastStatus !== undefined ? { lastStatus } : {}), ...(lastError ? { lastError } : {}), ...(exit ? { exit } : {}) };
    throw new AllocationFailed(exit?.oom ? `OOM before it was ready: ${exit.reason}` : `not ready: ${reason}`, {
      ...(exit?.oom ? { failureMode: 'OOM' } : {}),
      evidence,
      gates: [{ gate, status: 'fail', evidence }],
    });
  },
} satisfies PrerunHook;
