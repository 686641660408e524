import { createHash } from 'node:crypto';

/**
 * One Idempotency-Key of one route, as the edge keeps it for an unsafe request it held through a
 * wake. `held`: waiting for the app, never sent, kept in memory only (an edge that dies now never
 * sent it, so forgetting it is right). `forwarding`: written to disk before the request goes
 * upstream; an edge restarted now cannot know whether the app saw it, so the key answers 409 until
 * it expires rather than risk a second delivery. `done`: the app's answer is kept and replayed.
 */
export type RecordState = 'held' | 'forwarding' | 'done';

export interface StoredResponse {
  status: number;
  /** Flat name/value list, hop-by-hop and framing headers removed. */
  headers: string[];
  /** Base64 of the body; null when it was larger than the edge keeps (then only status and headers replay). */
  body: string | null;
}

export interface IdempotencyRecord {
  /** The route (hostname) the key belongs to: the same key on two apps is two keys. */
  scope: string;
  key: string;
  method: string;
  path: string;
  /** sha256 hex of the body; set once the body is read. */
  bodyHash: string;
  state: RecordState;
  createdAt: number;
  expiresAt: number;
  response?: StoredResponse | undefined;
}

/** The file a record is kept in: named by a hash, so no key can name a path. */
export function recordFileName(scope: string, key: string): string {
  return `${createHash('sha256').update(scope).update('\u0000').update(key).digest('hex')}.json`;
}

export function bodyHashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** A record read back from disk, or undefined when the file is not one (half-written files never exist: writes are atomic). */
export function parseRecord(text: string): IdempotencyRecord | undefined {
  try {
    const value = JSON.parse(text) as IdempotencyRecord;
    if (typeof value.scope !== 'string' || typeof value.key !== 'string' || typeof value.expiresAt !== 'number') return undefined;
    if (value.state !== 'forwarding' && value.state !== 'done') return undefined;
    return value;
  } catch {
    return undefined;
  }
}

// Printable ASCII without spaces at the ends, bounded: what clients send (UUIDs, ULIDs, hashes).
const keyPattern = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;

/** The Idempotency-Key of a request, or undefined when absent, repeated or not a plausible key. */
export function idempotencyKeyOf(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && keyPattern.test(value) ? value : undefined;
}
