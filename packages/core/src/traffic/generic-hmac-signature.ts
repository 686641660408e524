/**
 * The generic scheme for providers without their own: the header the manifest names carries the
 * HMAC-SHA256 of the raw body in hex (either case), optionally written "sha256=<hex>"; the event
 * id, when the manifest names `event_id_header`, comes from that header. Nothing here is signed
 * but the body, so it cannot refuse a replay by time; the edge's once-per-event-id rule does.
 */
import { createHmac, type KeyObject } from 'node:crypto';
import type { GenericHmacWebhookSpec } from '../manifest/manifest.js';
import { readEventIdHeader } from './event-id-header.js';
import { readSingleHeader, type HeaderBag } from './header-values.js';
import { anyDigestMatches, parseSha256Hex } from './signature-digest.js';
import type { WebhookVerification } from './webhook-verification.js';

const PREFIX = 'sha256=';

export function verifyGenericHmacSignature(key: KeyObject, spec: GenericHmacWebhookSpec, headers: HeaderBag, body: Buffer): WebhookVerification {
  const name = spec.header;
  const header = readSingleHeader(headers, name.toLowerCase());
  if (header.kind === 'absent') return { ok: false, reason: `The request has no ${name} header.` };
  if (header.kind !== 'one') return { ok: false, reason: `The ${name} header appears more than once.` };
  const hex = header.value.startsWith(PREFIX) ? header.value.slice(PREFIX.length) : header.value;
  const digest = parseSha256Hex(hex, true);
  if (!digest) return { ok: false, reason: `The ${name} header is not a hex HMAC-SHA256 (64 hex digits, optionally after "sha256=").` };
  const eventId = spec.eventIdHeader === undefined ? ({ ok: true, eventId: null } as const) : readEventIdHeader(headers, spec.eventIdHeader);
  if (!eventId.ok) return eventId;
  const expected = createHmac('sha256', key).update(body).digest();
  if (!anyDigestMatches(expected, [digest])) return { ok: false, reason: `The ${name} signature does not match the body and the webhook secret.` };
  return eventId;
}
