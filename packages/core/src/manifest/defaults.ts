/**
 * The defaults parseManifest applies, in one place so that the README, the validators and the
 * tests quote the same values. Durations are milliseconds and sizes bytes, as in Manifest.
 */
export const manifestDefaults = {
  build: { timeoutMs: 15 * 60_000, outputLimitBytes: 4 * 1024 * 1024 },
  run: { health: '/', memoryBytes: 512 * 1024 * 1024, drainTimeoutMs: 30_000 },
  assets: { prefix: '/assets/', immutable: true },
  scale: { min: 1, sleepAfterMs: 15 * 60_000, wakeBudgetMs: 10_000 },
  /** The longest a safe request may be held while the app wakes. */
  maxWakeBudgetMs: 120_000,
  route: { idempotency: 'optional' },
  webhook: { stripeToleranceMs: 5 * 60_000, hmacHeader: 'X-Signature' },
  live: { resumable: false },
  validate: { reproducible: false },
} as const;
