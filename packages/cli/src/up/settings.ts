import { resolve } from 'node:path';
import { usageError } from '../cli-error.js';

/**
 * The settings of `berth up`, from its flags or else the BERTH_* environment (read by main.ts),
 * validated here once so that a wrong value is refused before anything starts, naming the flag or
 * variable that holds it.
 */
export interface UpEnvironment {
  dataDir: string | undefined;
  apiPort: string | undefined;
  host: string | undefined;
  databaseUrl: string | undefined;
  /** BERTH_MASTER_KEY: handed to the control plane as is; never printed. */
  masterKey: string | undefined;
  baseDomain: string | undefined;
  /** BERTH_RUNNER_DRIVER: process (default), docker or fake; BERTH_DOCKER_SOCKET for docker. */
  runnerDriver?: string | undefined;
  dockerSocket?: string | undefined;
  /** BERTH_JOIN_TOKEN, for `berth runner` and `berth edge`. */
  joinToken?: string | undefined;
  /** BERTH_EDGE_PORT: where `berth up`'s edge (and `berth edge`) listens for app traffic. */
  edgePort?: string | undefined;
  /** BERTH_NATS_URL: carry route events over NATS JetStream instead of the embedded feed. */
  natsUrl?: string | undefined;
  /** BERTH_ROUTE_KEY: the control plane's route public key, for `berth edge`. */
  routeKey?: string | undefined;
}

export type StoreChoice = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };

export interface UpSettings {
  /** Absolute. Holds the PGlite store, the admin token and the lock. */
  dataDir: string;
  host: string;
  /** 0 asks the system for any free port (tests); the URL printed says which. */
  port: number;
  store: StoreChoice;
  /** The store for people: never the database password. */
  storeLabel: string;
  masterKey: string | undefined;
  /** Hostnames are `<app>.<baseDomain>`; default localhost, so they open in a browser with no DNS. */
  baseDomain: string;
  runnerDriver: 'process' | 'docker' | 'fake';
  dockerSocket: string | undefined;
  /** The edge's port (0 = any free one); it listens on `host` like the API. */
  edgePort: number;
  /** NATS JetStream for route events, or undefined for the embedded feed. */
  natsUrl: string | undefined;
}

export const upDefaults = { dataDir: '.berth', port: 7070, edgePort: 8080, host: '127.0.0.1', baseDomain: 'localhost' } as const;

type Setting = readonly [value: string, name: string];

function pick(flag: string | undefined, flagName: string, env: string | undefined, envName: string): Setting | undefined {
  if (flag !== undefined) return [flag, flagName];
  if (env !== undefined && env !== '') return [env, envName];
  return undefined;
}

export function parsePort([raw, name]: Setting): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw usageError(`${name} must be a port number from 1 to 65535 (or 0 for any free port): got "${raw}".`, `For example ${name.startsWith('--') ? `${name} 7070` : `${name}=7070`}.`);
  return port;
}

/** postgres://user:***@host:5432/db: enough to recognise it, without the password. */
export function redactDatabaseUrl(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.password) copy.password = '***';
  return copy.toString();
}

/** A nats:// URL, or a usage error naming the setting it came from. */
export function parseNatsUrl([raw, name]: Setting): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`${name} is not a URL: got "${raw}".`, 'For example nats://127.0.0.1:4222.');
  }
  if (url.protocol !== 'nats:' && url.protocol !== 'tls:') throw usageError(`${name} must be a nats:// URL: got a ${url.protocol}// URL.`, 'For example nats://127.0.0.1:4222.');
  return raw;
}

export function resolveUpSettings(flags: { 'data-dir'?: string; 'api-port'?: string; 'edge-port'?: string; 'nats-url'?: string; host?: string; 'database-url'?: string; 'base-domain'?: string }, env: UpEnvironment): UpSettings {
  const dataDirSetting = pick(flags['data-dir'], '--data-dir', env.dataDir, 'BERTH_DATA_DIR');
  if (dataDirSetting && dataDirSetting[0].trim() === '') throw usageError(`${dataDirSetting[1]} is empty.`, 'Name a folder for Berth\'s data, e.g. ./.berth.');
  const dataDir = resolve(dataDirSetting?.[0] ?? upDefaults.dataDir);

  const portSetting = pick(flags['api-port'], '--api-port', env.apiPort, 'BERTH_API_PORT');
  const port = portSetting ? parsePort(portSetting) : upDefaults.port;

  const hostSetting = pick(flags.host, '--host', env.host, 'BERTH_HOST');
  if (hostSetting && !/^[A-Za-z0-9.:_-]+$/.test(hostSetting[0])) throw usageError(`${hostSetting[1]} must be a host name or IP address: got "${hostSetting[0]}".`, 'For example 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).');
  const host = hostSetting?.[0] ?? upDefaults.host;

  const domainSetting = pick(flags['base-domain'], '--base-domain', env.baseDomain, 'BERTH_BASE_DOMAIN');
  if (domainSetting && !/^(?=.{1,200}$)([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(domainSetting[0])) {
    throw usageError(`${domainSetting[1]} must be a lowercase DNS name: got "${domainSetting[0]}".`, 'For example apps.example.com, or localhost (the default).');
  }
  const driver = env.runnerDriver ?? 'process';
  if (!['process', 'docker', 'fake'].includes(driver)) throw usageError(`BERTH_RUNNER_DRIVER must be process, docker or fake: got "${driver}".`, 'Unset it to use the process driver.');
  const edgePortSetting = pick(flags['edge-port'], '--edge-port', env.edgePort, 'BERTH_EDGE_PORT');
  const edgePort = edgePortSetting ? parsePort(edgePortSetting) : upDefaults.edgePort;
  if (edgePort !== 0 && edgePort === port) throw usageError(`The edge and the API cannot share port ${port}.`, 'Choose another with --edge-port (or BERTH_EDGE_PORT); the default is 8080.');
  const natsSetting = pick(flags['nats-url'], '--nats-url', env.natsUrl, 'BERTH_NATS_URL');
  const natsUrl = natsSetting ? parseNatsUrl(natsSetting) : undefined;
  const common = { edgePort, natsUrl, masterKey: env.masterKey, baseDomain: domainSetting?.[0] ?? upDefaults.baseDomain, runnerDriver: driver as 'process' | 'docker' | 'fake', dockerSocket: env.dockerSocket };

  const dbSetting = pick(flags['database-url'], '--database-url', env.databaseUrl, 'BERTH_DATABASE_URL');
  if (!dbSetting) return { dataDir, host, port, store: { kind: 'pglite', dataDir }, storeLabel: `PGlite in ${resolve(dataDir, 'pgdata')}`, ...common };
  let url: URL;
  try {
    url = new URL(dbSetting[0]);
  } catch {
    throw usageError(`${dbSetting[1]} is not a URL.`, 'Give a PostgreSQL URL: postgres://user:password@host:5432/database.');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw usageError(`${dbSetting[1]} must be a postgres:// URL: got a ${url.protocol}// URL.`, 'Give a PostgreSQL URL: postgres://user:password@host:5432/database.');
  return { dataDir, host, port, store: { kind: 'postgres', url: dbSetting[0] }, storeLabel: `PostgreSQL at ${redactDatabaseUrl(url)}`, ...common };
}
