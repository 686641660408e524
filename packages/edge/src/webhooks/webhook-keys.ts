import { webhookVerifier, type WebhookSpec, type WebhookVerifier } from '@berth/core';
import type { EdgeControlPlane, EnvironmentSecrets } from '../traffic/edge-control-plane.js';

interface CachedSecrets {
  /** Undefined after a failed fetch (remembered briefly, so a failing control plane is not asked per request). */
  secrets: EnvironmentSecrets | undefined;
  at: number;
  fetching: Promise<EnvironmentSecrets | undefined> | undefined;
}

export interface WebhookKeysOptions {
  controlPlane: EdgeControlPlane;
  /** How long an environment's secrets are used before they are fetched again (30 s unless told). */
  ttlMs?: number | undefined;
  /** Largest body a verifier accepts (the hold limit). */
  maxBodyBytes: number;
  log: (line: string) => void;
}

/** After a failed fetch, or a name the answer lacked, the control plane is asked again only after this. */
const retryAfterMs = 1_000;

/**
 * The signing secrets of each environment's webhooks, fetched from the control plane with the edge
 * token, cached for a short while, and turned into verifiers once per secret value. Values are
 * never logged and never leave this object except inside a verifier's key.
 */
export class WebhookKeys {
  readonly #options: WebhookKeysOptions;
  readonly #ttlMs: number;
  readonly #secrets = new Map<string, CachedSecrets>();
  readonly #verifiers = new Map<string, { value: string; verify: WebhookVerifier }>();

  constructor(options: WebhookKeysOptions) {
    this.#options = options;
    this.#ttlMs = options.ttlMs ?? 30_000;
  }

  /** The verifier for `spec` in the environment, or undefined when its secret cannot be had now. */
  async verifierFor(environmentId: string, spec: WebhookSpec): Promise<WebhookVerifier | undefined> {
    let secrets = await this.#current(environmentId, false);
    if (secrets !== undefined && !Object.hasOwn(secrets.secrets, spec.secret)) secrets = await this.#current(environmentId, true);
    const value = secrets !== undefined && Object.hasOwn(secrets.secrets, spec.secret) ? secrets.secrets[spec.secret] : undefined;
    if (typeof value !== 'string') return undefined;
    const cacheKey = `${environmentId}\u0000${spec.path}\u0000${spec.provider}\u0000${spec.secret}`;
    const cached = this.#verifiers.get(cacheKey);
    if (cached !== undefined && cached.value === value) return cached.verify;
    const verify = webhookVerifier(spec, value, { maxBodyBytes: this.#options.maxBodyBytes });
    this.#verifiers.set(cacheKey, { value, verify });
    return verify;
  }

  /** Whether the environment's `[live] store` binding is set; false when it cannot be told (a session then starts fresh). */
  async liveStoreBound(environmentId: string): Promise<boolean> {
    return (await this.#current(environmentId, false))?.liveStoreBound === true;
  }

  /** `refresh` asks again unless the last answer is under a second old. */
  async #current(environmentId: string, refresh: boolean): Promise<EnvironmentSecrets | undefined> {
    const now = Date.now();
    let cached = this.#secrets.get(environmentId);
    if (cached?.fetching !== undefined) return cached.fetching;
    const age = cached === undefined ? Number.POSITIVE_INFINITY : now - cached.at;
    const fresh = cached !== undefined && (cached.secrets === undefined || refresh ? age < retryAfterMs : age < this.#ttlMs);
    if (fresh) return cached!.secrets;
    if (cached === undefined) this.#secrets.set(environmentId, (cached = { secrets: undefined, at: 0, fetching: undefined }));
    const entry = cached;
    entry.fetching = this.#options.controlPlane.environmentSecrets(environmentId).then(
      (secrets) => secrets,
      (error: unknown) => {
        this.#options.log(`webhooks: cannot read the webhook secrets of ${environmentId} (${error instanceof Error ? error.message : String(error)})`);
        return undefined;
      },
    ).then((secrets) => {
      entry.secrets = secrets;
      entry.at = Date.now();
      entry.fetching = undefined;
      return secrets;
    });
    return entry.fetching;
  }
}
