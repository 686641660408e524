import type { AllocationSpec } from './driver.js';

/**
 * A PATH that finds the usual system tools. The runner's own PATH is not passed on: it may name
 * folders of the operator's account that an app has no business depending on.
 */
export const sanePath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The whole environment an app starts with. Nothing of the runner's own environment leaks in (it
 * may hold the runner's join token or the operator's credentials): only a PATH, the app's private
 * HOME and TMPDIR, the allocation's variables and secrets, and PORT. The app may replace PATH
 * through its own variables; HOME, TMPDIR and PORT belong to the runner because the sandbox and
 * the edge depend on them.
 */
export function appEnvironment(spec: AllocationSpec, dirs: { home: string; tmp: string }): Record<string, string> {
  return {
    PATH: sanePath,
    ...spec.env,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    PORT: String(spec.port),
  };
}
