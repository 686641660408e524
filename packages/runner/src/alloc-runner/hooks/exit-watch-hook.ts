import { AllocationFailed, type ReadyHook } from '../hook.js';

/**
 * Watches a ready allocation's process. An exit nobody asked for (the allocation's desired status
 * is still `run`) ends it in `failed`: as the failure mode OOM when its memory limit killed it,
 * otherwise with the exit's own sentence. Either way the code and signal are the evidence. An exit
 * during a drain is the drain's to report, so it is left alone.
 */
export const exitWatchHook = {
  name: 'exit-watch',
  async whileReady(ctx) {
    const running = ctx.running;
    if (!running) return;
    const exit = await running.exited;
    if (ctx.desired === 'stop') return;
    const evidence = { code: exit.code, signal: exit.signal, oom: exit.oom, reason: exit.reason };
    await ctx.fail(
      exit.oom
        ? new AllocationFailed(`OOM: ${exit.reason}`, { failureMode: 'OOM', evidence })
        : new AllocationFailed(`the process ${exit.reason} while it was ready`, { evidence }),
    );
  },
} satisfies ReadyHook;
