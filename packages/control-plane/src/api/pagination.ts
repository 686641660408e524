import { BerthError } from '@berth/core';

/**
 * Every list is paged by an opaque cursor: the sort key of the last item, base64url-encoded.
 * Keyset paging stays correct while rows are added, unlike offsets.
 */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
    if (typeof decoded.k === 'string') return decoded.k;
  } catch {
    // Fall through to the refusal below.
  }
  throw new BerthError('invalid_cursor', 'The cursor is not one this server issued.');
}

export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ k: key })).toString('base64url');
}

/**
 * Reads one more row than the page holds to learn whether another page follows, then builds the
 * answer.
 */
export async function page<T>(limit: number, fetch: (limitPlusOne: number) => Promise<T[]>, keyOf: (item: T) => string): Promise<{ items: T[]; nextCursor: string | null }> {
  const rows = await fetch(limit + 1);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
