import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { AssetFiles, type AssetFilesOptions } from './asset-files.js';
import { indexAssetManifest, type AssetManifestEntry } from './asset-manifest.js';
import { AssetSite } from './asset-site.js';

export interface AssetStoreOptions extends AssetFilesOptions {
  /** Told when a manifest cannot be fetched or trusted. */
  onError?: (digest: string, error: unknown) => void;
}

/**
 * Every artifact's assets the edge knows of, one AssetSite per digest. A manifest, once verified,
 * is kept on disk beside the files, so an edge that restarts serves assets before it reaches the
 * control plane again.
 */
export class AssetStore {
  readonly files: AssetFiles;
  readonly #sites = new Map<string, AssetSite>();
  readonly #manifestDir: string;
  readonly #onError: (digest: string, error: unknown) => void;

  constructor(options: AssetStoreOptions) {
    this.files = new AssetFiles(options);
    this.#manifestDir = join(options.cacheDir, 'manifests');
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * The site of artifact `digest`, created (and its manifest fetch started) the first time a route
   * names it. A different checksum for the same digest makes a new site: the signed route is the
   * authority on which manifest it means.
   */
  site(digest: string, checksum: string | null): AssetSite {
    const key = `${digest} ${checksum ?? ''}`;
    let site = this.#sites.get(key);
    if (site === undefined) {
      site = new AssetSite(digest, checksum, this.files, (s) => this.#fetchManifest(s));
      this.#sites.set(key, site);
      void site.load();
    }
    return site;
  }

  /** Forgets the sites no route names any more (their files stay in the disk cache). */
  retainOnly(sites: ReadonlySet<AssetSite>): void {
    for (const [key, site] of this.#sites) if (!sites.has(site)) this.#sites.delete(key);
  }

  get size(): number {
    return this.#sites.size;
  }

  async #fetchManifest(site: AssetSite): Promise<ReadonlyMap<string, AssetManifestEntry>> {
    const path = join(this.#manifestDir, `${site.digest.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
    const cached = await readFile(path, 'utf8').then((text) => JSON.parse(text) as unknown, () => undefined);
    if (cached !== undefined) {
      try {
        return indexAssetManifest(cached, site.checksum);
      } catch {
        // A cached manifest that no longer matches the route's checksum is fetched again below.
      }
    }
    try {
      const fetched = await this.files.source.manifest(site.digest);
      const index = indexAssetManifest(fetched, site.checksum);
      await mkdir(this.#manifestDir, { recursive: true });
      await writeFileAtomic(path, JSON.stringify(fetched));
      return index;
    } catch (error) {
      this.#onError(site.digest, error);
      throw error;
    }
  }
}
