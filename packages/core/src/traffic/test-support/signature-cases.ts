/**
 * Shared pieces of the webhook signature tests: fast-check arbitraries for secrets and bodies, the
 * independent reference HMAC, and the checks every refusal must pass (a sentence, and nothing of
 * the secret or of a digest in it). Test-only; nothing in @berth/core imports it.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { WebhookVerification } from '../webhook-verification.js';

/** Runs per property: thousands, seeded so that a failure reproduces with the seed it prints. */
export const RUNS = 2000;

const ALNUM = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const HEX = [...'0123456789abcdef'];

/** Distinctive secrets (at least 16 characters) so that "the reason never contains the secret" means something. */
export const secretArb = (prefix: string): fc.Arbitrary<string> =>
  fc.string({ minLength: 16, maxLength: 48, unit: fc.constantFrom(...ALNUM) }).map((s) => `${prefix}${s}`);

/** A second secret that differs from the first. */
export const otherSecretArb = (prefix: string): fc.Arbitrary<string> => secretArb(prefix).map((s) => `${s}x`);

export const hexArb = (length: number): fc.Arbitrary<string> => fc.string({ minLength: length, maxLength: length, unit: fc.constantFrom(...HEX) });

/** Non-empty raw bodies: arbitrary bytes, or JSON text. */
export const bodyArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  fc.json({ maxDepth: 2 }).map((text) => Buffer.from(text, 'utf8')),
);

/** Characters that are hex digits in no case (upper-case hex is tested on its own: generic-hmac accepts it). */
export const nonHexCharArb: fc.Arbitrary<string> = fc.constantFrom(...'ghijklmnopqrstuvwxyzGHIJXYZ-_+/= ,;:.\u00e9\u0000');

/** The reference HMAC-SHA256 in hex, computed here rather than by the code under test. */
export function hmacHex(secret: string, ...parts: (string | Buffer)[]): string {
  const hmac = createHmac('sha256', secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

/** `body` with the byte at `index` (modulo its length) XORed with a non-zero `mask`. */
export function flipByte(body: Buffer, index: number, mask: number): Buffer {
  const copy = Buffer.from(body);
  const at = index % copy.length;
  copy[at] = (copy[at] as number) ^ mask;
  return copy;
}

/** Replaces the character at `index` (modulo the length) of `text` with `char`. */
export function replaceChar(text: string, index: number, char: string): string {
  const at = index % text.length;
  return text.slice(0, at) + char + text.slice(at + 1);
}

/** A refusal, with a reason that is a sentence and quotes nothing secret. */
export function assertRefused(result: WebhookVerification, secret: string): asserts result is { ok: false; reason: string } {
  assert.equal(result.ok, false, 'expected a refusal');
  if (result.ok) return;
  assert.equal(typeof result.reason, 'string');
  assert.match(result.reason, /^[A-Z].*\.$/s, `the reason should be a sentence: ${result.reason}`);
  assert.ok(!result.reason.includes(secret), 'the reason must not contain the secret');
  assert.doesNotMatch(result.reason, /[0-9a-f]{64}/i, 'the reason must not contain a digest');
}

/** Counts how often each mutation kind ran, so a test can show every kind was exercised. */
export class KindCounter {
  readonly counts = new Map<string, number>();
  add(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }
  assertEach(kinds: readonly string[], atLeast: number): void {
    for (const kind of kinds) assert.ok((this.counts.get(kind) ?? 0) >= atLeast, `mutation ${kind} ran ${this.counts.get(kind) ?? 0} times, expected at least ${atLeast}`);
  }
}
