import { freePort } from '../free-port.js';
import { AllocationFailed, type PrerunHook } from '../hook.js';

/**
 * starting. Chooses the port (the assignment's, or a free one on 127.0.0.1), reports `starting`
 * with the gates the earlier hooks gathered (the engine refuses `starting` unless both passed),
 * and only then starts the app through the driver. Reporting first means the timeline never shows
 * a process that ran before its gates were recorded.
 */
export const startHook = {
  name: 'start',
  async prerun(ctx) {
    const { assignment, deps } = ctx;
    const port = assignment.port ?? (await (deps.choosePort ?? freePort)());
    ctx.port = port;
    const gates = ctx.pendingGates.splice(0);
    await ctx.transition({ to: 'starting', sentence: `starting with the ${deps.driver.name} driver on port ${port}`, gates, evidence: { driver: deps.driver.name, port } });
    if (ctx.signal.aborted) return;
    try {
      ctx.running = await deps.driver.start(
        {
          allocationId: assignment.allocationId,
          artifactDir: ctx.dirs.artifact,
          workDir: ctx.dirs.work,
          command: assignment.command,
          port,
          env: assignment.env,
          memoryBytes: assignment.memoryBytes,
          ...(assignment.image !== undefined ? { image: assignment.image } : {}),
        },
        (stream, line) => ctx.onOutput(stream, line),
      );
    } catch (error) {
      const message = (error as Error).message;
      throw new AllocationFailed(`the ${deps.driver.name} driver could not start it: ${message}`, { evidence: { driver: deps.driver.name, error: message } });
    }
  },
} satisfies PrerunHook;
