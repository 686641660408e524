import { formatDuration } from '../durations.js';
import type { HookContext, StopHook, StopRequest } from '../hook.js';
import type { AllocationState } from '../report.js';

const gate = 'drain deadline respected';

/**
 * draining, then stopped, and the "drain deadline respected" gate.
 *
 * A ready allocation reports `draining` (the edge stops sending it new requests), gets SIGTERM
 * through the driver, and is killed if it has not exited by the deadline. The gate passes either
 * way, because the runner held the deadline: evidence `killed` and the sentence say plainly when
 * it had to kill. Sessions cut by the deadline are the edge's to record as the failure mode
 * "session still active at drain deadline"; the runner cannot see them.
 *
 * An allocation stopped before it was ready is cancelled instead: from `planned` it stops with
 * nothing to drain; from `pulling` or `starting` the machine allows only `failed`, so it fails
 * with a sentence that says it was cancelled.
 */
export const drainHook = {
  name: 'drain',
  async stop(ctx, request) {
    const state: AllocationState = ctx.state;
    if (state === 'ready') await drain(ctx, request);
    else if (state === 'planned') await cancelPlanned(ctx, request);
    else if (state === 'pulling' || state === 'starting') await cancelStarting(ctx, request, state);
  },
} satisfies StopHook;

async function drain(ctx: HookContext, { deadlineMs, reason }: StopRequest): Promise<void> {
  const deadline = formatDuration(deadlineMs);
  const draining = await ctx.transition({ to: 'draining', sentence: `draining: ${reason}; the app has ${deadline} to exit after SIGTERM`, evidence: { deadlineMs, reason } });
  // Not legal any more: the exit watcher reported the allocation failed first.
  if (!draining || !ctx.running) return;
  const { exit, killed } = await ctx.running.stop(deadlineMs);
  const evidence = { deadlineMs, killed, exit };
  const sentence = killed ? `stopped: ignored SIGTERM; killed at the ${deadline} deadline` : `stopped: ${exit.reason} within the ${deadline} deadline`;
  await ctx.transition({ to: 'stopped', sentence, gates: [{ gate, status: 'pass', evidence }], evidence });
}

async function cancelPlanned(ctx: HookContext, { deadlineMs, reason }: StopRequest): Promise<void> {
  const evidence = { deadlineMs, nothingToDrain: true };
  await ctx.transition({ to: 'stopped', sentence: `cancelled before it started: ${reason}`, gates: [{ gate, status: 'pass', evidence }], evidence });
}

async function cancelStarting(ctx: HookContext, { deadlineMs, reason }: StopRequest, state: AllocationState): Promise<void> {
  const stopped = ctx.running ? await ctx.running.stop(deadlineMs) : undefined;
  await ctx.transition({
    to: 'failed',
    sentence: `cancelled while ${state}: ${reason}`,
    evidence: { reason, deadlineMs, ...(stopped ? { killed: stopped.killed, exit: stopped.exit } : {}) },
  });
}
