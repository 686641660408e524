// Starting the upstream, the edge and the bare Node proxy: the benchmark's own Node servers.
// Each one is a child process pinned to its core and waited for until its port answers.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, waitForPort } from './children.mjs';
import { PROXY_CPU, UPSTREAM_CPU } from './layout.mjs';

const serversDir = join(import.meta.dirname, '..', 'servers');

/**
 * Starts one upstream process listening on one port per identity.
 * @param {string[]} ids
 * @returns {Promise<{ ports: Record<string, number>, entry: import('./children.mjs').Running }>}
 */
export async function startUpstream(ids) {
  const ports = {};
  for (const id of ids) ports[id] = await freePort();
  const entry = startProcess('upstream', process.execPath, [join(serversDir, 'upstream.mjs'), ...ids.map((id) => `${id}=${ports[id]}`)], { cpu: UPSTREAM_CPU, ipc: true });
  for (const id of ids) await waitForPort(ports[id], entry);
  return { ports, entry };
}

/**
 * A route in the form `RouteTable` takes, owned by the upstream identity `owner`. The allocation
 * is named after the upstream port, so hostnames owned by one upstream share its connection pool,
 * as hostnames of one deployment do.
 */
export function routeTo(hostname, owner, port, epoch = 1) {
  return {
    hostname,
    epoch,
    deploymentId: `dep-${owner}`,
    environmentId: `env-${hostname}`,
    targets: [{ allocationId: `alloc-${owner}`, host: '127.0.0.1', port }],
  };
}

/**
 * Starts the edge (one Node process) serving `routes`, with an IPC channel for route changes.
 * `profileDir` runs it under `node --cpu-prof` and leaves the profile there when it stops.
 * @param {{ dir: string, name: string, routes: object[], profileDir?: string }} options
 */
export async function startEdge({ dir, name, routes, profileDir }) {
  const routesFile = join(dir, `${name}-routes.json`);
  writeFileSync(routesFile, JSON.stringify(routes));
  const port = await freePort();
  const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
  const entry = startProcess(name, process.execPath, [...flags, join(serversDir, 'edge-server.mjs'), String(port), routesFile], { cpu: PROXY_CPU, ipc: true });
  await waitForPort(port, entry);
  return { port, entry };
}

export async function startNodeProxy({ upstreamPort, profileDir }) {
  const port = await freePort();
  const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=node-proxy-${Date.now()}.cpuprofile`] : [];
  const entry = startProcess('node-proxy', process.execPath, [...flags, join(serversDir, 'node-proxy.mjs'), String(port), String(upstreamPort)], { cpu: PROXY_CPU, ipc: true });
  await waitForPort(port, entry);
  return { port, entry };
}
