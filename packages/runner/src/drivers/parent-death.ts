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
 * --die-with-parent takes the sandbox down with it. Where setpriv is missing the argv is unchanged.
 *
 * One window stays open: bwrap arms the parent-death signal of the sandbox's init only once the
 * init has set the sandbox up, so a runner that dies during those milliseconds can still leave
 * an init behind. The sandboxes once seen outliving their runner (parent pid 1, app listening)
 * came from a wider form of that window, a stop that killed bwrap mid-setup, which the driver no
 * longer does (see sandbox-init.ts).
 */
export async function withParentDeathSignal(argv: string[]): Promise<string[]> {
  const setpriv = await setprivPath();
  return setpriv ? [setpriv, '--pdeathsig', 'KILL', '--', ...argv] : argv;
}
