import { tempDir } from '@berth/testkit';
import type { PropagationIncident } from '@berth/core';
import { startEdge, type RunningEdge, type StartEdgeConfig } from '../start-edge/start-edge.js';
import type { ControlPlaneStandIn } from './control-plane-stand-in.js';

export interface FeedEdge extends RunningEdge {
  lines: string[];
  dataDir: string;
}

/** An edge started against a stand-in control plane, with short retry and report intervals for tests. */
export async function startFeedEdge(standIn: ControlPlaneStandIn, config: Partial<StartEdgeConfig> = {}): Promise<FeedEdge> {
  const dataDir = config.dataDir ?? (await tempDir('berth-edge-')).path;
  const lines: string[] = [];
  const edge = await startEdge({
    controlPlaneUrl: standIn.url, joinToken: 'join_ok', name: 'edge-test', dataDir, routePublicKey: standIn.key.publicKeyText,
    log: (line) => lines.push(line),
    tuning: { reportHeartbeatMs: 200, retryMs: { initial: 50, max: 400 }, controlPlaneTimeoutMs: 5_000 },
    ...config,
  });
  return Object.assign(Object.create(null) as object, {
    url: edge.url, port: edge.port, table: edge.table, lines, dataDir,
    get edgeId() {
      return edge.edgeId;
    },
    appliedSeq: () => edge.appliedSeq(), degradedReason: () => edge.degradedReason(), ready: () => edge.ready(), close: (grace?: number) => edge.close(grace),
  }) as FeedEdge;
}

/** Every incident the edge has reported so far. */
export function reportedIncidents(standIn: ControlPlaneStandIn): PropagationIncident[] {
  return standIn.reports.flatMap((report) => report.incidents);
}
