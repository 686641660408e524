import { assetManifestChecksum } from '@berth/core';

/** One file of an artifact's asset manifest, as the builder writes it and the control plane serves it. */
export interface AssetManifestEntry {
  /** The URL path, decoded (not percent-encoded), starting with the mount's prefix. */
  path: string;
  /** Where the bytes are inside the artifact. */
  file: string;
  /** `sha256:<hex>` of the file's bytes. */
  digest: string;
  size: number;
  contentType: string;
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;
// A content type goes into a response header as is: no control characters, no line breaks.
const headerValuePattern = /^[\x20-\x7e]{1,200}$/;

/**
 * Checks a manifest fetched from the control plane and indexes it by URL path. With a checksum
 * (the route policy's `assets.checksum`) the whole manifest must be the one the signed route names;
 * every entry must be well formed regardless, since its fields become a file name and headers.
 * Throws with the reason when the manifest cannot be trusted.
 */
export function indexAssetManifest(value: unknown, checksum: string | null): Map<string, AssetManifestEntry> {
  if (!Array.isArray(value)) throw new Error('the asset manifest is not a JSON array');
  const index = new Map<string, AssetManifestEntry>();
  for (const raw of value as unknown[]) {
    const entry = raw as Partial<AssetManifestEntry> | null;
    if (
      typeof entry?.path !== 'string' || !entry.path.startsWith('/') || typeof entry.file !== 'string'
      || typeof entry.digest !== 'string' || !digestPattern.test(entry.digest)
      || !Number.isSafeInteger(entry.size) || (entry.size as number) < 0
      || typeof entry.contentType !== 'string' || !headerValuePattern.test(entry.contentType)
    ) {
      throw new Error(`the asset manifest has a malformed entry: ${JSON.stringify(raw).slice(0, 200)}`);
    }
    index.set(entry.path, { path: entry.path, file: entry.file, digest: entry.digest, size: entry.size as number, contentType: entry.contentType });
  }
  if (checksum !== null) {
    const actual = assetManifestChecksum(value as AssetManifestEntry[]);
    if (actual !== checksum) throw new Error(`the asset manifest's checksum ${actual} is not the ${checksum} its route names`);
  }
  return index;
}
