import type { EnvironmentRecord } from '../apps/apps.js';

/** Production answers on `<app>.<baseDomain>`; previews on `<app>--<short id>.<baseDomain>`. */
export function productionHostname(appName: string, baseDomain: string): string {
  return `${appName}.${baseDomain}`;
}

/**
 * An environment as the API shows it: its record without the app id, with its promotion policy and,
 * for production, the hostname a promotion points at.
 */
export function presentEnvironment(environment: EnvironmentRecord, appName: string, baseDomain: string) {
  const { appId: _appId, ...rest } = environment;
  return { ...rest, productionHost: environment.kind === 'production' ? productionHostname(appName, baseDomain) : null };
}
