import type { AssetManifestEntry } from './asset-manifest.js';
import type { AssetFiles } from './asset-files.js';

/** How long a failed manifest fetch is remembered before a request may trigger another. */
const retryAfterFailureMs = 1_000;

/**
 * One artifact's assets as the edge serves them: its manifest, loaded once per digest (from the
 * disk cache or the control plane) and shared by every route naming that digest, and the file
 * cache its bytes come from. Requests find the manifest already loaded in the common case; only a
 * request arriving while the one fetch runs waits for it.
 */
export class AssetSite {
  /** Set once loaded; read synchronously on the request path. */
  manifest: ReadonlyMap<string, AssetManifestEntry> | undefined = undefined;
  #loading: Promise<boolean> | undefined = undefined;
  #failedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly digest: string,
    /** `policy.assets.checksum` of the route that named the digest, or null when none is known. */
    readonly checksum: string | null,
    readonly files: AssetFiles,
    private readonly fetchManifest: (site: AssetSite) => Promise<ReadonlyMap<string, AssetManifestEntry>>,
  ) {}

  /**
   * Resolves true once the manifest is loaded, false when fetching it failed. Starts the fetch if
   * none runs; after a failure, requests within a second get false without fetching again, so an
   * unreachable control plane is not asked once per request.
   */
  load(): Promise<boolean> {
    if (this.manifest !== undefined) return Promise.resolve(true);
    if (this.#loading !== undefined) return this.#loading;
    if (Date.now() - this.#failedAt < retryAfterFailureMs) return Promise.resolve(false);
    this.#loading = this.fetchManifest(this).then(
      (manifest) => {
        this.manifest = manifest;
        return true;
      },
      () => {
        this.#failedAt = Date.now();
        return false;
      },
    ).finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }
}
