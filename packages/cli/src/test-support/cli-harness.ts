import type { Executor } from '@berth/control-plane';
import { startTestControlPlane, type TestControlPlane } from '@berth/control-plane/testing';
import { runCli, sandbox, spawnCli, type CliResult, type Sandbox } from './run-cli.js';

/**
 * A real control plane listening on 127.0.0.1 (fresh PGlite, in this test process) and a sandbox
 * for the CLI's config, so that each test file runs `berth` against its own API.
 */
export interface CliHarness {
  readonly t: TestControlPlane;
  readonly url: string;
  readonly box: Sandbox;
  /** The admin's environment: BERTH_API_URL and BERTH_TOKEN set, no config file needed. */
  readonly adminEnv: Record<string, string>;
  run(args: readonly string[], options?: { env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number }): Promise<CliResult>;
  spawn(args: readonly string[], options?: { env?: Record<string, string> }): ReturnType<typeof spawnCli>;
  close(): Promise<void>;
}

export async function startCliHarness(options: { executors?: Executor[] } = {}): Promise<CliHarness> {
  const t = await startTestControlPlane({ executors: options.executors ?? [] });
  const url = await t.cp.listen('127.0.0.1', 0);
  const box = await sandbox();
  const adminEnv = box.env({ BERTH_API_URL: url, BERTH_TOKEN: t.adminToken });
  return {
    t,
    url,
    box,
    adminEnv,
    run: (args, opts = {}) =>
      runCli(args, { env: opts.env ?? adminEnv, ...(opts.input !== undefined ? { input: opts.input } : {}), ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) }),
    spawn: (args, opts = {}) => spawnCli(args, { env: opts.env ?? adminEnv }),
    async close() {
      await t.close();
      await box.remove();
    },
  };
}
