import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * What a test asks the host itself, not a driver: which processes of an allocation are still
 * alive. A driver's handle can say a process exited while the sandbox it started runs on
 * (re-parented to pid 1, its app still listening), so tests that check a stop look here.
 */

export interface LiveProcess {
  pid: number;
  ppid: number;
  pgid: number;
  /** The state letter of /proc/<pid>/stat: R, S, D, T... Zombies are never listed. */
  state: string;
  /** The command line, its arguments joined by spaces. */
  command: string;
}

/**
 * Every live process that belongs to the folder `dir`: its working folder is inside `dir`, or its
 * command line or its environment names `dir`. An allocation's bwrap names its working copy in
 * its arguments, and its app runs in that working copy with HOME beside it, so an allocation's
 * work folder finds every process of it, inside the sandbox or out. Zombies are left out: they run
 * nothing, and a container whose pid 1 does not reap keeps them forever.
 */
export function liveProcessesOf(dir: string): LiveProcess[] {
  const found: LiveProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const stat = read(`/proc/${name}/stat`);
    if (stat === null) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0] ?? '?';
    if (state === 'Z' || state === 'X') continue;
    const command = (read(`/proc/${name}/cmdline`) ?? '').replace(/\0/g, ' ').trim();
    const environ = read(`/proc/${name}/environ`) ?? '';
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${name}/cwd`);
    } catch {
      // Gone, or not ours to look at.
    }
    if (cwd === dir || cwd.startsWith(`${dir}/`) || command.includes(dir) || environ.includes(dir)) {
      found.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), state, command });
    }
  }
  return found;
}

/** SIGKILL to every live process of `dir`: the last resort of a test's `after`, so a failed test cannot leave a sandbox behind. */
export function killProcessesOf(dir: string): LiveProcess[] {
  const left = liveProcessesOf(dir);
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return left;
}

/**
 * For a test file's `after`: kills whatever process of `dir` a failed test left alive and says so
 * on stderr. A live allocation holds the runner's pipes open and would keep the file from exiting.
 */
export function killLeftovers(dir: string, label: string): void {
  const left = killProcessesOf(dir);
  if (left.length > 0) process.stderr.write(`${label}: killed what the tests left running:\n${describeProcesses(left)}\n`);
}

/** Formats processes for an assertion message. */
export function describeProcesses(processes: readonly LiveProcess[]): string {
  return processes.map((p) => `pid ${p.pid} (ppid ${p.ppid}, pgid ${p.pgid}, ${p.state}): ${p.command.slice(0, 120)}`).join('\n');
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
