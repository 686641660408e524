export { parseManifest } from './parse-manifest.js';
export { requiredSecretNames } from './required-secrets.js';
export { exampleManifest } from './example-manifest.js';
export { manifestDefaults } from './defaults.js';
export { parseDuration, formatDuration } from './duration.js';
export { parseSize, formatSize } from './size.js';
export { locate, indexKeys, type KeyPath, type KeyIndex } from './locate.js';
export type { ManifestProblem, ManifestProblemDetails } from './problems.js';
export {
  HTTP_METHODS,
  type HttpMethod,
  type Manifest,
  type BuildSpec,
  type RunSpec,
  type AssetsSpec,
  type ScaleSpec,
  type RouteClass,
  type IdempotencyPolicy,
  type RouteSpec,
  type WebhookProvider,
  type StripeWebhookSpec,
  type GithubWebhookSpec,
  type GenericHmacWebhookSpec,
  type WebhookSpec,
  type PinnedLiveSpec,
  type ResumableLiveSpec,
  type LiveSpec,
  type SecretsSpec,
  type DatabaseSpec,
  type ValidateSpec,
} from './manifest.js';
