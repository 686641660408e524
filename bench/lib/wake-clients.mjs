// The clients of the sleep-and-wake benchmarks, each run as a process of its own on the load core
// (clients/first-byte.mjs, clients/burst-client.mjs), read back as JSON.
import { join } from 'node:path';
import { freePort, runToEnd } from './children.mjs';
import { LOAD_CPU } from './layout.mjs';

const clients = join(import.meta.dirname, '..', 'clients');

async function runClient(name, args) {
  const { code, stdout, stderr } = await runToEnd(name, process.execPath, [join(clients, name), ...args], { cpu: LOAD_CPU });
  if (code !== 0) throw new Error(`${name} failed (${code}): ${stderr || stdout}`);
  return stdout.trim().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

/** One GET through the edge on a new connection: { status, ms, sentAt }. */
export async function firstByte(port, host, path = '/') {
  return (await runClient('first-byte.mjs', ['get', String(port), host, path])).at(-1);
}

/** The floor: the app in `folder` spawned directly and polled until its first 200: { status, ms }. */
export async function floorOnce(folder) {
  return (await runClient('first-byte.mjs', ['floor', folder, String(await freePort())])).at(-1);
}

/**
 * `count` GETs at once: every connection is opened first, then every request is written in one
 * go, so the figures are the platform's, not the TCP accept queue's. `targets` spreads them over
 * ports (edges). Returns one entry per request: { i, port, status, ms, retryAfter, error }.
 * @param {{ targets: Array<{ port: number, count: number }>, host: string, path?: string }} order
 */
export async function burst(order) {
  const [result] = await runClient('burst-client.mjs', [JSON.stringify({ path: '/', ...order })]);
  return result;
}
