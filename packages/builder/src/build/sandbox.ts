import { spawn } from 'node:child_process';

/** The folders a sandboxed command may write to; everything else of the host is read-only. */
export interface SandboxMounts {
  /** The build folder, bound writable at the same path and used as the working folder. */
  dir: string;
  /** The command's private HOME (npm and pip caches land here), bound writable. */
  home: string;
}

// Found once per process: a machine does not gain or lose bubblewrap while Berth runs, and the
// probe costs a process start that every build would otherwise pay.
let detection: Promise<string | null> | undefined;

/**
 * Whether builds run inside bubblewrap on this machine. Being on PATH is not enough: bwrap needs
 * unprivileged user namespaces (or root), which some container hosts disable, so the probe runs a
 * real, trivial sandbox with the same namespace flags that builds use.
 */
export async function sandboxAvailable(): Promise<boolean> {
  return (await bwrapPath()) !== null;
}

/** The absolute path of a working bwrap, or null. Absolute, because a build's PATH is its own. */
export function bwrapPath(): Promise<string | null> {
  detection ??= probe();
  return detection;
}

async function probe(): Promise<string | null> {
  const found = (await run('/bin/sh', ['-c', 'command -v bwrap'])).stdout.trim();
  if (!found.startsWith('/')) return null;
  const check = await run(found, [...NAMESPACE_FLAGS, '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '/bin/true']);
  return check.code === 0 ? found : null;
}

const NAMESPACE_FLAGS = [
  // Own PID namespace: the build cannot see or signal host processes, and when its first process
  // ends the kernel kills everything the build left running.
  '--unshare-pid',
  '--unshare-ipc',
  '--unshare-uts',
  // If the builder dies, the build dies with it instead of running on unobserved.
  '--die-with-parent',
  // A new terminal session: a build cannot push keystrokes into the builder's terminal (TIOCSTI).
  '--new-session',
] as const;

/**
 * The bubblewrap arguments that run `argv` with the host filesystem read-only, private /tmp, /dev
 * and /proc, and only the build folder and its HOME writable. Order matters: bwrap applies mounts
 * in sequence, so the writable binds come after the tmpfs on /tmp, which would otherwise hide a
 * build folder that lives under /tmp.
 *
 * The network is deliberately shared with the host: builds fetch dependencies from package
 * registries. The isolation here is of the filesystem and processes, not of the network.
 */
export function sandboxArgs(mounts: SandboxMounts, argv: readonly string[]): string[] {
  return [
    ...NAMESPACE_FLAGS,
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    '--bind', mounts.dir, mounts.dir,
    '--bind', mounts.home, mounts.home,
    '--chdir', mounts.dir,
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
