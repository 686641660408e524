/**
 * GitHub's scheme: `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body keyed
 * with the webhook secret; the delivery's id is `X-GitHub-Delivery`. The older SHA-1
 * `X-Hub-Signature` is not accepted: it is there only for old receivers.
 */
import { createHmac, type KeyObject } from 'node:crypto';
import { readEventIdHeader } from './event-id-header.js';
import { readSingleHeader, type HeaderBag } from './header-values.js';
import { anyDigestMatches, parseSha256Hex } from './signature-digest.js';
import type { WebhookVerification } from './webhook-verification.js';

const PREFIX = 'sha256=';

export function verifyGithubSignature(key: KeyObject, headers: HeaderBag, body: Buffer): WebhookVerification {
  const header = readSingleHeader(headers, 'x-hub-signature-256');
  if (header.kind === 'absent') return { ok: false, reason: 'The request has no X-Hub-Signature-256 header.' };
  if (header.kind !== 'one') return { ok: false, reason: 'The X-Hub-Signature-256 header appears more than once.' };
  if (!header.value.startsWith(PREFIX)) return { ok: false, reason: 'The X-Hub-Signature-256 header does not start with "sha256=".' };
  const digest = parseSha256Hex(header.value.slice(PREFIX.length));
  if (!digest) return { ok: false, reason: 'The X-Hub-Signature-256 signature is not 64 lower-case hex digits after "sha256=".' };
  const eventId = readEventIdHeader(headers, 'X-GitHub-Delivery');
  if (!eventId.ok) return eventId;
  const expected = createHmac('sha256', key).update(body).digest();
  if (!anyDigestMatches(expected, [digest])) return { ok: false, reason: 'The X-Hub-Signature-256 signature does not match the body and the webhook secret.' };
  return eventId;
}
