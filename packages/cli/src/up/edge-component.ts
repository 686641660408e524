import { join } from 'node:path';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import type { Component } from './components.js';
import type { UpSettings } from './settings.js';

type RunningEdge = { port: number; close(): Promise<void>; ready(): Promise<void> };

/**
 * `berth up`'s own edge: the same edge `berth edge` runs on other hosts, registering with this
 * control plane over loopback with a join token made for it and verifying the route feed with the
 * control plane's public key, handed over in process rather than trusted from the wire. It follows
 * the embedded feed, or NATS JetStream when BERTH_NATS_URL is set.
 */
export function edgeComponent(settings: UpSettings, deps: { apiUrl: () => string; joinToken: () => Promise<string>; routePublicKey: () => string; log: (line: string) => void }): Component & { port(): number } {
  let edge: RunningEdge | undefined;
  return {
    name: 'edge',
    async start() {
      const { startEdge } = await import('@berth/edge');
      try {
        edge = await startEdge({
          controlPlaneUrl: deps.apiUrl(),
          joinToken: await deps.joinToken(),
          routePublicKey: deps.routePublicKey(),
          name: 'local',
          dataDir: join(settings.dataDir, 'edge'),
          host: settings.host,
          port: settings.edgePort,
          transport: settings.natsUrl ? 'jetstream' : 'embedded',
          ...(settings.natsUrl ? { natsUrl: settings.natsUrl } : {}),
          log: deps.log,
        });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'EADDRINUSE') {
          throw new CliError('port_in_use', `The edge's port ${settings.edgePort} on ${settings.host} is already in use.`, { exitCode: ExitCode.environment, suggestion: 'Stop what uses it, or choose another with --edge-port (or BERTH_EDGE_PORT).', cause: error });
        }
        throw error;
      }
      // Serving starts at once (from the last snapshot on disk, if any); up reports once the feed is applied.
      await edge.ready();
    },
    async stop() {
      await edge?.close();
    },
    port() {
      if (!edge) throw new Error('The edge has not started.');
      return edge.port;
    },
  };
}
