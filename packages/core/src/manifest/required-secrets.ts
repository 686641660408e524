/**
 * Which secrets an app needs bound before it deploys (the deploy pipeline's "secrets/providers
 * bound" gate): those listed in `[secrets] required` and every secret a webhook verifies with,
 * because a webhook whose signing key is missing can only refuse its provider.
 */
import type { Manifest } from './manifest.js';

/** The names of every secret the manifest needs, without duplicates: `[secrets] required` first, then webhook secrets in file order. */
export function requiredSecretNames(manifest: Pick<Manifest, 'secrets' | 'webhooks'>): string[] {
  const names = new Set(manifest.secrets.required);
  for (const hook of manifest.webhooks) names.add(hook.secret);
  return [...names];
}
