import type { AssetSite } from './asset-site.js';

/**
 * Where a route serves its deployment's assets: requests whose path starts with `prefix` are
 * looked up in the site's manifest, and a file listed there is answered by the edge itself, never
 * by an allocation (DESIGN: an immutable asset request never wakes the app).
 */
export interface AssetMount {
  /** The URL prefix, with its slashes (`/static/`, or `/` for the site root). */
  readonly prefix: string;
  /** `Cache-Control: immutable` for a year when true, `no-cache` (revalidate by ETag) when false. */
  readonly immutable: boolean;
  /** The artifact's manifest and files, shared by every route that names the same digest. */
  readonly site: AssetSite;
}
