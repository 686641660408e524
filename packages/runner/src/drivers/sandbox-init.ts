import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { readProcStat, signalProcess, stillRuns } from './process-tree.js';

/**
 * The init of an allocation's sandbox: bwrap's child, pid 1 of the sandbox's PID namespace, which
 * sets the sandbox up, starts the app and reaps what the app leaves behind. It is the handle on the
 * whole sandbox: when it dies the kernel kills every process of the namespace, and nothing inside
 * can escape that. It is also the part that bwrap's death does not reliably take down: the init
 * arms its parent-death signal only once its setup is done, so a bwrap killed during that setup
 * leaves an init that goes on to start the app under pid 1 of the host. Hence the driver ends a
 * sandbox through its init, and makes sure the init is gone before it calls the allocation exited.
 *
 * The start time tells the init apart from a later process that reuses its pid once it is gone.
 */
export interface SandboxInit {
  pid: number;
  startTime: number;
}

/**
 * Reads what bwrap writes to its --info-fd (`{"child-pid": 1234, ...}`) as soon as it has cloned
 * the init, before it lets the init start its setup. Resolves null when bwrap closes the pipe
 * without it (it died or failed before it made a sandbox) or when the init is already gone.
 */
export function readSandboxInit(info: Readable): Promise<SandboxInit | null> {
  return new Promise((resolve) => {
    let text = '';
    let settled = false;
    // Settled on the pid, but read to the end: bwrap writes the rest of its report (the
    // namespaces) in later writes, and a closed pipe would kill it with SIGPIPE.
    const settle = (init: Promise<SandboxInit | null> | null) => {
      if (settled) return;
      settled = true;
      void (init ?? Promise.resolve(null)).then(resolve, () => resolve(null));
    };
    info.setEncoding('utf8');
    info.on('data', (chunk: string) => {
      text += chunk;
      // Only a number with something after it is whole: the report may arrive in pieces.
      const pid = /"child-pid"\s*:\s*(\d+)\D/.exec(text)?.[1];
      if (pid !== undefined) settle(identify(Number(pid)));
    });
    info.on('error', () => settle(null));
    info.on('close', () => settle(null));
  });
}

async function identify(pid: number): Promise<SandboxInit | null> {
  const stat = await readProcStat(pid);
  return stat && stat.state !== 'Z' && stat.state !== 'X' ? { pid, startTime: stat.startTime } : null;
}

/**
 * SIGKILL to the init, which ends every process of the sandbox (SIGKILL is the one signal that
 * reaches a namespace's init from outside whatever it does), then waits until the init is gone,
 * up to `waitMs`. Resolves whether it is gone.
 */
export async function killSandboxInit(init: SandboxInit, waitMs: number): Promise<boolean> {
  if (!(await stillRuns(init.pid, init.startTime))) return true;
  signalProcess(init.pid, 'SIGKILL');
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!(await stillRuns(init.pid, init.startTime))) return true;
    await sleep(10);
  }
  return false;
}
