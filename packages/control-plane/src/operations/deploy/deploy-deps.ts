import type { Clock } from '@berth/core';
import type { ArtifactStore } from '@berth/builder';
import type { Db } from '../../store/db.js';

/** Looks up an environment's secrets for the gates and the build's redaction; values never leave it except to be used. */
export interface SecretResolver {
  resolve(environmentId: string, names: readonly string[]): Promise<{ values: Record<string, string>; missing: string[] }>;
  /** Every value set for the environment, for redacting build output. */
  allValues(environmentId: string): Promise<string[]>;
}

export interface DeployDeps {
  db: Db;
  clock: Clock;
  dataDir: string;
  artifacts: ArtifactStore;
  secrets: SecretResolver;
  /** Hostnames are `<app>.<baseDomain>` and `<app>--<short id>.<baseDomain>`. */
  baseDomain: string;
  /** Time limit for cloning a repository. */
  cloneTimeoutMs?: number;
}
