/**
 * Webhook signature verification, the first thing the edge does with a request classified
 * `webhook` and before anything else (no wake, no upstream call, no body parse) happens for it.
 * webhookVerifier() prepares the key once per deployment and secret; the verifier it returns is
 * pure, computes at most one HMAC, compares in constant time, never throws, and never puts the
 * secret (or anything derived from it) in a refusal's reason.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import type { WebhookSpec } from '../manifest/manifest.js';
import { formatSize } from '../manifest/size.js';
import { verifyGenericHmacSignature } from './generic-hmac-signature.js';
import { verifyGithubSignature } from './github-signature.js';
import type { HeaderBag } from './header-values.js';
import { verifyStripeSignature } from './stripe-signature.js';

/** Accepted with the provider's event id (null when the delivery names none), or refused with a sentence. */
export type WebhookVerification = { readonly ok: true; readonly eventId: string | null } | { readonly ok: false; readonly reason: string };

export interface WebhookVerifierOptions {
  /** Bodies larger than this are refused before anything is computed. Default 1 MiB (the hold limit). */
  readonly maxBodyBytes?: number;
}

export const defaultWebhookMaxBodyBytes = 1024 * 1024;

/** Checks one delivery: the raw body exactly as received, and the time it arrived. */
export type WebhookVerifier = (headers: HeaderBag, rawBody: Uint8Array, nowMs: number) => WebhookVerification;

/** A verifier for `spec` keyed with `secretValue` (the value of the secret `spec.secret` names). Never throws. */
export function webhookVerifier(spec: WebhookSpec, secretValue: string, options: WebhookVerifierOptions = {}): WebhookVerifier {
  const maxBodyBytes = options.maxBodyBytes ?? defaultWebhookMaxBodyBytes;
  const key = secretKey(secretValue);
  if (!key) return () => ({ ok: false, reason: `The webhook secret ${spec.secret} is empty, so no delivery can be verified; set it to the provider's signing secret.` });
  return (headers, rawBody, nowMs) => {
    try {
      if (!(rawBody instanceof Uint8Array)) return { ok: false, reason: 'The webhook body was not given as raw bytes.' };
      if (rawBody.byteLength > maxBodyBytes) return { ok: false, reason: `The webhook body is larger than ${formatSize(maxBodyBytes)}.` };
      if (headers === null || typeof headers !== 'object') return { ok: false, reason: 'The webhook request has no headers.' };
      const body = Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
      switch (spec.provider) {
        case 'stripe': return verifyStripeSignature(key, spec.toleranceMs, headers, body, nowMs);
        case 'github': return verifyGithubSignature(key, headers, body);
        case 'generic-hmac': return verifyGenericHmacSignature(key, spec, headers, body);
        default: return { ok: false, reason: 'The webhook names a provider Berth cannot verify.' };
      }
    } catch {
      // Only a caller bypassing the types reaches this; the reason must not echo what it threw.
      return { ok: false, reason: 'The webhook signature could not be checked.' };
    }
  };
}

/** verifyWebhookSignature(spec, secret, ...) is webhookVerifier(spec, secret)(...): for one-off checks and tests. */
export function verifyWebhookSignature(
  spec: WebhookSpec, secretValue: string, headers: HeaderBag, rawBody: Uint8Array, nowMs: number, options: WebhookVerifierOptions = {},
): WebhookVerification {
  return webhookVerifier(spec, secretValue, options)(headers, rawBody, nowMs);
}

function secretKey(secretValue: string): KeyObject | null {
  if (typeof secretValue !== 'string' || secretValue.length === 0) return null;
  return createSecretKey(Buffer.from(secretValue, 'utf8'));
}
