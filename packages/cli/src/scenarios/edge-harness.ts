import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { eventually } from '@berth/testkit';

const berth = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));

/** A real `berth edge` child process: its port once it listens, and everything it printed. */
export interface EdgeProcess {
  child: ChildProcess;
  output: string[];
  port: number;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startEdgeProcess(args: { api: string; join: string; name: string; dataDir: string; routeKey: string; extra?: string[] }): Promise<EdgeProcess> {
  const child = spawn(process.execPath, [berth, 'edge', '--json', '--api', args.api, '--join', args.join, '--name', args.name, '--data-dir', args.dataDir, '--port', '0', '--route-key', args.routeKey, ...(args.extra ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const output: string[] = [];
  let port = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    output.push(line);
    // --json prints the result document (pretty, over several lines) once the edge listens.
    const match = /^\s*"port": (\d+),?$/.exec(line);
    if (match) port = Number(match[1]);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  try {
    await eventually(() => (port > 0 ? true : child.exitCode !== null ? Promise.reject(new Error('it exited')) : undefined), { timeoutMs: 30_000, message: 'berth edge listens' });
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw new Error(`berth edge did not start (${(error as Error).message}):\n${output.join('\n')}`);
  }
  return {
    child, output, port, exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A request through an edge for `host`, as a browser or a client sends it. */
export function viaEdge(port: number, host: string, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}
