/**
 * Stripe's scheme: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=<hex>]`, where
 * each v1 is the HMAC-SHA256, keyed with the whole `whsec_...` secret, of "<t>." followed by the
 * raw body. Stripe sends several v1 while a secret is being rolled; any one matching is enough.
 * Stricter than Stripe's own library, on purpose: a repeated `t`, a malformed entry (which is what
 * two joined headers look like), a v1 that is not 64 lower-case hex digits, or a timestamp beyond
 * the tolerance in the future are all refused; entries of other schemes (v0 is test mode) are
 * ignored, as Stripe's library does. The header is split with limits, never matched by a regex.
 */
import { createHmac, type KeyObject } from 'node:crypto';
import { formatDuration } from '../manifest/duration.js';
import { isEventIdToken } from './event-id-header.js';
import { readSingleHeader, type HeaderBag } from './header-values.js';
import { anyDigestMatches, parseSha256Hex } from './signature-digest.js';
import type { WebhookVerification } from './webhook-verification.js';

const MAX_HEADER_CHARS = 4096;
const MAX_ENTRIES = 16;
const MAX_TIMESTAMP_DIGITS = 12;

interface StripeSignatureHeader {
  readonly timestamp: number;
  readonly timestampText: string;
  readonly v1: readonly Buffer[];
}

const refuse = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Parses a Stripe-Signature value; never throws. */
export function parseStripeSignatureHeader(value: string): ({ ok: true } & StripeSignatureHeader) | { ok: false; reason: string } {
  if (value.length > MAX_HEADER_CHARS) return refuse(`The Stripe-Signature header is longer than ${MAX_HEADER_CHARS} characters.`);
  const entries = value.split(',', MAX_ENTRIES + 1);
  if (entries.length > MAX_ENTRIES) return refuse(`The Stripe-Signature header has more than ${MAX_ENTRIES} entries.`);
  let timestampText: string | undefined;
  const v1: Buffer[] = [];
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq === -1 ? '' : entry.slice(0, eq);
    if (!isSchemeKey(key)) return refuse('The Stripe-Signature header is not a list of key=value entries (or it was sent twice and joined).');
    const text = entry.slice(eq + 1);
    if (key === 't') {
      if (timestampText !== undefined) return refuse('The Stripe-Signature header names its timestamp (t=) more than once.');
      if (!isDigits(text, MAX_TIMESTAMP_DIGITS)) return refuse('The Stripe-Signature timestamp (t=) is not a whole number of seconds.');
      timestampText = text;
    } else if (key === 'v1') {
      const digest = parseSha256Hex(text);
      if (!digest) return refuse('A v1 signature in the Stripe-Signature header is not 64 lower-case hex digits.');
      v1.push(digest);
    }
  }
  if (timestampText === undefined) return refuse('The Stripe-Signature header has no timestamp (t=).');
  if (v1.length === 0) return refuse('The Stripe-Signature header has no v1 signature.');
  return { ok: true, timestamp: Number(timestampText), timestampText, v1 };
}

/** Verifies a Stripe delivery; `toleranceMs` bounds the timestamp's distance from `nowMs` both ways. */
export function verifyStripeSignature(key: KeyObject, toleranceMs: number, headers: HeaderBag, body: Buffer, nowMs: number): WebhookVerification {
  const header = readSingleHeader(headers, 'stripe-signature');
  if (header.kind === 'absent') return refuse('The request has no Stripe-Signature header.');
  if (header.kind !== 'one') return refuse('The Stripe-Signature header appears more than once.');
  const parsed = parseStripeSignatureHeader(header.value);
  if (!parsed.ok) return parsed;

  // Whole seconds, as Stripe's library counts: the age is floor(now) minus the signed second.
  const ageSeconds = Math.floor(nowMs / 1000) - parsed.timestamp;
  const toleranceSeconds = toleranceMs / 1000;
  if (!Number.isFinite(ageSeconds)) return refuse('The delivery time could not be compared with the signed timestamp.');
  if (ageSeconds > toleranceSeconds) return refuse(`The Stripe-Signature timestamp is older than the tolerance of ${formatDuration(toleranceMs)}; a replayed delivery looks like this.`);
  if (-ageSeconds > toleranceSeconds) return refuse(`The Stripe-Signature timestamp is more than ${formatDuration(toleranceMs)} in the future; check the clocks.`);

  const expected = createHmac('sha256', key).update(`${parsed.timestampText}.`).update(body).digest();
  if (!anyDigestMatches(expected, parsed.v1)) return refuse('No v1 signature in the Stripe-Signature header matches the body and the webhook secret.');
  return { ok: true, eventId: stripeEventId(body) };
}

/** The event's `id` ("evt_..."), read only from a body whose signature verified; null if there is none. */
function stripeEventId(body: Buffer): string | null {
  let event: unknown;
  try {
    event = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return null;
  const id = (event as { id?: unknown }).id;
  return typeof id === 'string' && id.startsWith('evt_') && isEventIdToken(id) ? id : null;
}

/** A scheme key: 1 to 8 lower-case letters or digits (t, v1, v0). */
function isSchemeKey(key: string): boolean {
  if (key.length === 0 || key.length > 8) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) return false;
  }
  return true;
}

function isDigits(text: string, maxDigits: number): boolean {
  if (text.length === 0 || text.length > maxDigits) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
