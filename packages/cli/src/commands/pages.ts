import type { ApiClient } from '../api-client.js';
import type { Page } from '../api-types.js';

/**
 * Reads one page of a list, or every page with `all` (following nextCursor), so that list
 * commands share one paging loop. With `all`, `limit` is the size of each page.
 */
export async function readPages<T>(client: ApiClient, path: string, options: { limit: number; all: boolean; query?: Record<string, string | undefined> }): Promise<Page<T>> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.get<Page<T>>(path, { ...(options.query ?? {}), limit: options.limit, cursor });
    items.push(...page.items);
    if (!options.all || !page.nextCursor) return { items, nextCursor: options.all ? null : page.nextCursor };
    cursor = page.nextCursor;
  }
}

/** The line under a table that was cut short, saying how to see the rest. */
export function moreHint(page: Page<unknown>, command: string): string {
  return page.nextCursor ? `\nMore exist: run \`${command} --all\`, or raise --limit.` : '';
}
