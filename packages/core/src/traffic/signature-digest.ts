/**
 * The byte-level pieces every webhook scheme shares: reading a hex HMAC-SHA256 from a header
 * without regular expressions, and comparing it with the expected one in constant time.
 */
import { timingSafeEqual } from 'node:crypto';

/** An HMAC-SHA256 is 32 bytes: 64 hex characters. */
export const SHA256_HEX_CHARS = 64;

/**
 * The digest `text` spells in hex, or null when it is not exactly 64 hex digits. Lower case only
 * unless `anyCase`: Stripe and GitHub send lower case, and refusing anything else keeps one
 * spelling per signature.
 */
export function parseSha256Hex(text: string, anyCase = false): Buffer | null {
  if (text.length !== SHA256_HEX_CHARS) return null;
  for (let i = 0; i < SHA256_HEX_CHARS; i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 0x30 && c <= 0x39;
    const lower = c >= 0x61 && c <= 0x66;
    const upper = anyCase && c >= 0x41 && c <= 0x46;
    if (!digit && !lower && !upper) return null;
  }
  return Buffer.from(text, 'hex');
}

/**
 * Whether any of `candidates` equals `expected`. Every candidate is compared in full with
 * timingSafeEqual, so the time taken says nothing about which one matched or how much of it did.
 */
export function anyDigestMatches(expected: Buffer, candidates: readonly Buffer[]): boolean {
  let matched = false;
  for (const candidate of candidates) {
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched;
}
