import { readdir, readFile } from 'node:fs/promises';

/**
 * What the runner reads about an allocation's processes from /proc. A driver knows only the pid it
 * spawned, but an app is a tree (a shell, node, the workers it forks), and memory, CPU and signals
 * are about the whole tree: an app that forks a worker must not escape its limit through it.
 */

export interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  /** The state letter: R running, S sleeping, D in the kernel, T stopped, Z a zombie (exited, not yet reaped). */
  state: string;
  /** User plus system CPU time, in clock ticks. */
  cpuTicks: number;
  /** When the process started, in clock ticks after boot: with the pid, it names one process, never a later one that reuses the pid. */
  startTime: number;
}

/**
 * Clock ticks per second for /proc/<pid>/stat times. USER_HZ is 100 on every architecture Linux
 * supports today; reading it would cost a `getconf` process for a constant.
 */
export const clockTicksPerSecond = 100;

/** Parses /proc/<pid>/stat, or returns null when the process is gone. */
export async function readProcStat(pid: number): Promise<ProcStat | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or parentheses, so the
  // fields are counted from the last closing parenthesis.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(3) ppid(4) pgrp(5) ... utime(14) stime(15) ... starttime(22).
  return {
    pid,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    state: fields[0] ?? '?',
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    startTime: Number(fields[19]),
  };
}

/** Whether `pid` is still the process that started at `startTime` and has not exited (a zombie has). */
export async function stillRuns(pid: number, startTime: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== null && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}

/** Every process on the host, read from /proc/*\/stat. Processes that vanish mid-read are skipped. */
export async function listProcesses(): Promise<ProcStat[]> {
  const names = await readdir('/proc');
  const stats = await Promise.all(names.filter((name) => /^\d+$/.test(name)).map((name) => readProcStat(Number(name))));
  return stats.filter((stat): stat is ProcStat => stat !== null);
}

/** The process `rootPid` and all its descendants (found through their parent pids), root first. */
export async function processTree(rootPid: number): Promise<ProcStat[]> {
  const all = await listProcesses();
  const children = new Map<number, ProcStat[]>();
  for (const stat of all) {
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push(stat);
    children.set(stat.ppid, siblings);
  }
  const root = all.find((stat) => stat.pid === rootPid);
  if (!root) return [];
  const tree: ProcStat[] = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!.pid) ?? []));
  return tree;
}

/** Resident memory of one process in bytes (VmRSS), or 0 when it is gone or a kernel thread. */
export async function residentBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The summed resident memory of a process tree. */
export async function treeResidentBytes(tree: readonly ProcStat[]): Promise<number> {
  const sizes = await Promise.all(tree.map((stat) => residentBytes(stat.pid)));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/**
 * Sends a signal to a whole process group. A group that is already gone is not an error: the
 * point of the call is that nothing of it keeps running.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  signalProcess(-pgid, signal);
}

/** Sends a signal to one process (or, with a negative pid, to a group); one that is already gone is not an error. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The distinct process groups a tree's processes belong to. */
export function groupsOf(tree: readonly ProcStat[]): number[] {
  return [...new Set(tree.map((stat) => stat.pgid))];
}
