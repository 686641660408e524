/**
 * The provider's event id from a header (GitHub's X-GitHub-Delivery, a generic webhook's
 * `event_id_header`). The edge processes each event id once, so an id must be one unambiguous
 * token: a header sent twice, or joined from two ("a, b"), is refused rather than read as one.
 */
import { readSingleHeader, type HeaderBag } from './header-values.js';

export const MAX_EVENT_ID_CHARS = 256;

export type EventIdRead = { readonly ok: true; readonly eventId: string | null } | { readonly ok: false; readonly reason: string };

const NONE: EventIdRead = { ok: true, eventId: null };

/** Reads the event id header `displayName` (looked up lower-cased); absent is fine and gives null. */
export function readEventIdHeader(headers: HeaderBag, displayName: string): EventIdRead {
  const header = readSingleHeader(headers, displayName.toLowerCase());
  if (header.kind === 'absent') return NONE;
  if (header.kind !== 'one') return { ok: false, reason: `The ${displayName} header appears more than once, so the event it names is ambiguous.` };
  return isEventIdToken(header.value)
    ? { ok: true, eventId: header.value }
    : { ok: false, reason: `The ${displayName} header is not an event id: 1 to ${MAX_EVENT_ID_CHARS} visible characters without spaces or commas.` };
}

/** Visible ASCII without commas (a comma means two joined headers), 1 to MAX_EVENT_ID_CHARS long. */
export function isEventIdToken(text: string): boolean {
  if (text.length === 0 || text.length > MAX_EVENT_ID_CHARS) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x2c) return false;
  }
  return true;
}
