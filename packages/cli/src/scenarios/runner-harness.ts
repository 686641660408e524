import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlaneConfig } from '@berth/control-plane';
import { startTestControlPlane, type TestControlPlane } from '@berth/control-plane/testing';
import { eventually, tempDir } from '@berth/testkit';

const berth = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));

/** A real `berth runner` child process, with everything it printed. */
export interface RunnerProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export function startRunnerProcess(args: { api: string; join: string; name: string; dataDir: string; extra?: string[] }): RunnerProcess {
  const child = spawn(process.execPath, [berth, 'runner', '--api', args.api, '--join', args.join, '--name', args.name, '--data-dir', args.dataDir, ...(args.extra ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const output: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => output.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    output,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * A control plane listening on loopback with one real `berth runner` joined to it: what most
 * scenarios start from. `dispose()` stops both and removes the runner's folder.
 */
export async function startWithOneRunner(config: Partial<ControlPlaneConfig>): Promise<{ t: TestControlPlane; runner: RunnerProcess; api: string; dispose(): Promise<void> }> {
  const t = await startTestControlPlane({ config });
  const api = await t.cp.listen('127.0.0.1', 0);
  const dir = await tempDir('berth-scenario-');
  const runner = startRunnerProcess({ api, join: await t.cp.createJoinToken('test', 60_000), name: 'solo', dataDir: join(dir.path, 'runner') });
  await eventually(async () => (await t.call('GET', '/api/hosts')).body.items.some((h: { connected: boolean }) => h.connected), { timeoutMs: 30_000, message: 'the runner joined' });
  return {
    t,
    runner,
    api,
    async dispose() {
      await runner.kill('SIGTERM');
      await t.close();
      await dir.remove();
    },
  };
}
