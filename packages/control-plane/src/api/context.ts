import type { Clock } from '@berth/core';
import type { OperationEngine } from '../engine/operation-engine.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Db } from '../store/db.js';

/** What every API resource is built with. */
export interface ApiDeps {
  /** Runner tokens are signed with this key; absent, the runner endpoints are not served. */
  runnerTokenKey?: Buffer;
  hub?: { connected(hostId: string): boolean };
  /** The route feed edges read; with edgeTokenKey, the edge endpoints are served. */
  routeFeed?: import('../route-feed/route-feed.js').RouteFeed;
  /** Edge tokens are signed with this key. */
  edgeTokenKey?: Buffer;
  artifacts?: import('@berth/builder').ArtifactStore;
  /** Wakes the scheduler after a change it should act on (a cordon, a scale). */
  onSchedulingChange?: () => void;
  /** Where uploads and build workspaces live. */
  dataDir?: string;
  /** Largest source upload accepted, in bytes. */
  uploadLimit?: number;
  /** The URL a browser opens for a hostname Berth serves (the edge's address). */
  urlFor?: (hostname: string) => string;
  /** Hostnames are `<app>.<baseDomain>` and `<app>--<short id>.<baseDomain>`; default localhost. */
  baseDomain?: string;
  db: Db;
  clock: Clock;
  engine: OperationEngine;
  /** Largest JSON body accepted, in bytes. */
  bodyLimit?: number;
  log?: (line: string) => void;
  version?: string;
  /** Aborted when the server is closing; streams end on it. */
  closing?: AbortSignal;
  /** Seals and opens secret values; without it the secrets endpoints refuse with invalid_config. */
  secrets?: SecretBox;
}
