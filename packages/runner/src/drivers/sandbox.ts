import { spawn } from 'node:child_process';

/** The folders a sandboxed app may write to; everything else of the host is read-only to it. */
export interface SandboxMounts {
  /** The allocation's working copy of its artifact: bound writable at the same path, and the app's working folder. */
  root: string;
  /** The app's private HOME, bound writable. */
  home: string;
}

// Probed once per runner: a host does not gain or lose bubblewrap while the runner runs, and the
// probe costs a process start that every allocation would otherwise pay.
let detection: Promise<string | null> | undefined;

/**
 * The absolute path of a bwrap that works here, or null. Being on PATH is not enough: bwrap needs
 * unprivileged user namespaces (or root), which some hosts disable, so the probe runs a real,
 * trivial sandbox with the same namespace flags that allocations use.
 */
export function bwrapPath(): Promise<string | null> {
  detection ??= probe();
  return detection;
}

async function probe(): Promise<string | null> {
  const found = (await run('/bin/sh', ['-c', 'command -v bwrap'])).stdout.trim();
  if (!found.startsWith('/')) return null;
  const check = await run(found, [...namespaceFlags, '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '/bin/true']);
  return check.code === 0 ? found : null;
}

const namespaceFlags = [
  // Own PID namespace: the app cannot see or signal host processes, and when the sandbox's first
  // process ends the kernel kills everything the app left running.
  '--unshare-pid',
  '--unshare-ipc',
  '--unshare-uts',
  // If the runner dies, its allocations die with it instead of running on unobserved. bwrap arms
  // this in the sandbox's init only once the init has set the sandbox up: a bwrap that dies before
  // then leaves the init running (see sandbox-init.ts for how the driver covers that).
  '--die-with-parent',
  // A new session: the app cannot push keystrokes into the runner's terminal (TIOCSTI). bwrap's
  // init calls setsid() before it forks the app, so the init and the app leave bwrap's process
  // group for one of their own, which is the group the driver sends SIGTERM to.
  '--new-session',
] as const;

/**
 * The bubblewrap arguments that run `argv` with the host read-only, a private /tmp, /dev and /proc,
 * and only the working copy and HOME writable. Order matters: bwrap applies mounts in sequence, so
 * the writable binds come after the tmpfs on /tmp, which would otherwise hide a work folder that
 * lives under /tmp.
 *
 * The network namespace is deliberately shared with the host: the app listens on
 * 127.0.0.1:<port> and the edge on the same host reaches it there. The isolation is of the
 * filesystem and of processes, not of the network.
 *
 * With `infoFd`, bwrap writes the pid of the sandbox's init to that descriptor as soon as it has
 * made it (see sandbox-init.ts): the driver stops a sandbox through its init.
 */
export function sandboxArgs(mounts: SandboxMounts, argv: readonly string[], options: { infoFd?: number } = {}): string[] {
  return [
    ...namespaceFlags,
    ...(options.infoFd !== undefined ? ['--info-fd', String(options.infoFd)] : []),
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    '--bind', mounts.root, mounts.root,
    '--bind', mounts.home, mounts.home,
    '--chdir', mounts.root,
    '--',
    ...argv,
  ];
}

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('error', () => resolve({ code: null, stdout: '' }));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}
