import type { Clock } from '@berth/core';
import type { OperationEngine } from '../engine/operation-engine.js';
import type { Db } from '../store/db.js';

/** What every API resource is built with. */
export interface ApiDeps {
  db: Db;
  clock: Clock;
  engine: OperationEngine;
  /** Largest JSON body accepted, in bytes. */
  bodyLimit?: number;
  log?: (line: string) => void;
  version?: string;
  /** Aborted when the server is closing; streams end on it. */
  closing?: AbortSignal;
}
