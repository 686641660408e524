import type { ChildProcess } from 'node:child_process';

/** How long a stopped command gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 5_000;

/**
 * Sends a signal to the whole process group led by `pid`. Commands are spawned detached, which
 * makes them the leader of a new group, so `npm run build` and every compiler it started receive
 * the signal together instead of leaving orphans behind. A group that is already gone is not an
 * error: the point of the call is that nothing of it keeps running.
 */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Stops a running command: SIGTERM to its group so tools can clean up, then SIGKILL to the group
 * after the grace period if the leader has not exited by then. Returns a function that cancels the
 * pending SIGKILL, which the caller runs once the command is fully closed.
 */
export function stopGroup(child: ChildProcess, graceMs: number = KILL_GRACE_MS): () => void {
  signalGroup(child.pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), graceMs);
  // The timer alone must not keep a control plane that is shutting down alive.
  timer.unref();
  return () => clearTimeout(timer);
}
