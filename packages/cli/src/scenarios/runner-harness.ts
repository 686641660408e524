import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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
