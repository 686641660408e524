import { execFile } from 'node:child_process';

let probe: Promise<string | null> | undefined;

/** The path of a `setpriv` that understands --pdeathsig (util-linux), or null. Probed once. */
function setprivPath(): Promise<string | null> {
  probe ??= new Promise((resolve) => {
    execFile('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], (error) => resolve(error ? null : 'setpriv'));
  });
  return probe;
}

/**
 * Ties an app's process to the runner's life: if the runner dies (SIGKILL, a crash), the kernel
 * sends SIGKILL to the app's top process (bwrap, or the shell when unsandboxed), and bubblewrap's
 * --die-with-parent takes the sandbox down with it. Sandboxes were seen here outliving the process
 * that started them (bwrap with parent pid 1, its app still listening), so the parent-death signal
 * is set on the top process itself rather than left to bwrap. Where setpriv is missing the argv
 * is unchanged.
 */
export async function withParentDeathSignal(argv: string[]): Promise<string[]> {
  const setpriv = await setprivPath();
  return setpriv ? [setpriv, '--pdeathsig', 'KILL', '--', ...argv] : argv;
}
