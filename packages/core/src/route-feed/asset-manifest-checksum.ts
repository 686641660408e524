import { createHash } from 'node:crypto';

/** The fields of one asset manifest entry (see @berth/builder's AssetManifestEntry) that the checksum covers. */
export interface AssetManifestChecksumEntry {
  path: string;
  file: string;
  digest: string;
  size: number;
  contentType: string;
}

/**
 * The checksum a route's policy carries for its deployment's asset manifest (`policy.assets.checksum`):
 * SHA-256 over one canonical JSON line per entry, in the manifest's order, with the fields in a
 * fixed order. It does not depend on how a store or a serializer orders an entry's keys, so an edge
 * that fetched the manifest recomputes it and refuses a manifest that is not the one the route names.
 */
export function assetManifestChecksum(entries: readonly AssetManifestChecksumEntry[]): string {
  const hash = createHash('sha256');
  hash.update(`berth.asset-manifest/1\n${entries.length}\n`);
  for (const e of entries) hash.update(JSON.stringify([e.path, e.file, e.digest, e.size, e.contentType]) + '\n');
  return `sha256:${hash.digest('hex')}`;
}
