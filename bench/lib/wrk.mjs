// Runs wrk (one thread: the load generator is one process on the core it shares with the
// upstream) and reads what it printed.
import { runToEnd } from './children.mjs';
import { LOAD_CPU } from './layout.mjs';

/**
 * @param {{ port: number, connections: number, durationS: number, host?: string, script?: string, scriptArgs?: string[] }} options
 * @returns {Promise<{ rps: number, latencyP50Ms: number | undefined, requests: number, errors: number, non2xx: number, check: object | undefined }>}
 */
export async function runWrk(options) {
  const args = ['-t1', `-c${options.connections}`, `-d${options.durationS}s`, '--latency'];
  if (options.host !== undefined) args.push('-H', `Host: ${options.host}`);
  if (options.script !== undefined) args.push('-s', options.script);
  args.push(`http://127.0.0.1:${options.port}/`);
  if (options.scriptArgs !== undefined) args.push('--', ...options.scriptArgs);
  const { code, stdout, stderr } = await runToEnd('wrk', 'wrk', args, { cpu: LOAD_CPU });
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${stderr || stdout}`);
  return parseWrk(stdout);
}

/** Reads wrk's summary. A `BENCH_CHECK {json}` line is what a Lua script's done() reported. */
export function parseWrk(text) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`wrk printed no Requests/sec:\n${text}`);
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const p50 = /\n\s+50%\s+([\d.]+)(us|ms|s)\b/.exec(text);
  const scale = { us: 0.001, ms: 1, s: 1000 };
  const check = /BENCH_CHECK (\{.*\})/.exec(text)?.[1];
  return {
    rps,
    latencyP50Ms: p50 ? Number(p50[1]) * scale[p50[2]] : undefined,
    requests,
    errors,
    non2xx,
    check: check ? JSON.parse(check) : undefined,
  };
}
