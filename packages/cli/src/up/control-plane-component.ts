import type { Clock } from '@berth/core';
import type { ControlPlane } from '@berth/control-plane';
import { CliError, toCliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import type { Component } from './components.js';
import type { UpSettings } from './settings.js';

/** What `berth up` reports once the control plane listens. */
export interface ControlPlaneInfo {
  url: string;
  tokenFile: string;
  /** True when this start created the default organization and wrote its admin token. */
  firstStart: boolean;
  appliedMigrations: string[];
}

/**
 * The control plane as a component of `berth up`: opens the store (taking the data directory's
 * lock), applies migrations, starts the engine and the API, and listens. Stopping hands every
 * operation lease back, so a restarted Berth carries on at once.
 */
export function controlPlaneComponent(settings: UpSettings, deps: { clock: Clock; log: (line: string) => void; urlFor?: (hostname: string) => string }): Component & { info(): ControlPlaneInfo; controlPlane(): ControlPlane } {
  let cp: ControlPlane | undefined;
  let info: ControlPlaneInfo | undefined;
  return {
    name: 'control plane',
    async start() {
      // Imported here so that every other command starts without loading the store and the server.
      const { startControlPlane } = await import('@berth/control-plane');
      try {
        cp = await startControlPlane({ dataDir: settings.dataDir, store: settings.store, clock: deps.clock, log: deps.log, baseDomain: settings.baseDomain, ...(deps.urlFor ? { urlFor: deps.urlFor } : {}), ...(settings.natsUrl ? { natsUrl: settings.natsUrl } : {}), ...(settings.masterKey ? { masterKey: settings.masterKey } : {}) });
      } catch (error) {
        throw storeError(error, settings);
      }
      let url: string;
      try {
        url = await cp.listen(settings.host, settings.port);
      } catch (error) {
        await cp.close().catch(() => {});
        throw listenError(error, settings);
      }
      info = { url, tokenFile: cp.tokenFile, firstStart: cp.bootstrapped, appliedMigrations: cp.appliedMigrations };
    },
    async stop() {
      await cp?.close();
    },
    info() {
      if (!info) throw new Error('The control plane has not started.');
      return info;
    },
    controlPlane() {
      if (!cp) throw new Error('The control plane has not started.');
      return cp;
    },
  };
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** Why the port could not be taken, naming the settings to change. */
function listenError(error: unknown, settings: UpSettings): CliError {
  const where = `${settings.host}:${settings.port}`;
  const change = 'Stop what uses it, or choose another with --api-port (or BERTH_API_PORT).';
  switch (errnoOf(error)) {
    case 'EADDRINUSE':
      return new CliError('port_in_use', `Port ${settings.port} on ${settings.host} is already in use.`, { exitCode: ExitCode.environment, suggestion: change, cause: error });
    case 'EACCES':
      return new CliError('port_not_permitted', `This user may not listen on ${where}.`, { exitCode: ExitCode.environment, suggestion: 'Ports below 1024 need privileges: choose a higher one with --api-port (or BERTH_API_PORT).', cause: error });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CliError('host_unavailable', `This machine has no address ${settings.host} to listen on.`, { exitCode: ExitCode.environment, suggestion: 'Choose another with --host (or BERTH_HOST), e.g. 127.0.0.1.', cause: error });
  }
  return toCliError(error, ExitCode.environment);
}

/** Why the store could not be opened: the lock, the database, or the data directory itself. */
function storeError(error: unknown, settings: UpSettings): CliError {
  const e = error as { code?: unknown; message?: string; suggestion?: unknown };
  // A refusal of the control plane (data_dir_locked, migration_changed) keeps its code and hint.
  if (typeof e?.code === 'string' && typeof e.suggestion === 'string') return toCliError(error, ExitCode.environment);
  if (settings.store.kind === 'postgres') {
    return new CliError('store_unavailable', `Could not open the store, ${settings.storeLabel}: ${e?.message ?? String(error)}`, {
      exitCode: ExitCode.environment,
      suggestion: 'Check --database-url (or BERTH_DATABASE_URL) and that PostgreSQL is running and accepts this user.',
      cause: error,
    });
  }
  if (errnoOf(error)) {
    return new CliError('data_dir_unusable', `Could not use the data directory ${settings.dataDir}: ${e?.message ?? String(error)}`, {
      exitCode: ExitCode.environment,
      suggestion: 'Choose a folder this user may write with --data-dir (or BERTH_DATA_DIR).',
      cause: error,
    });
  }
  return toCliError(error, ExitCode.environment);
}
