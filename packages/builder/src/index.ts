// The builder's public API: a source tree becomes a deterministic tar, named by its sha256 digest,
// stored content-addressed, and described by an asset manifest for the edge.

export { collectSource, type SourceFile, type CollectOptions } from './source/collect-source.js';
export { packSource, type PackResult } from './source/pack-source.js';

export { writeTar, type WriteTarResult } from './tar/tar-writer.js';
export { readTar, listTar, type TarEntry, type TarEntryInfo, type TarEntryType } from './tar/tar-reader.js';
export { extractTar } from './tar/tar-extract.js';
export { TarError } from './tar/tar-error.js';

export { ArtifactStore, type StoredArtifact, type OpenArtifact } from './artifact-store/artifact-store.js';
export { isDigest, parseDigest, sha256File, type Digest } from './digest/digest.js';

export { buildAssetManifest, type AssetManifestEntry } from './asset-manifest/asset-manifest.js';
export { contentTypeFor, contentTypes, DEFAULT_CONTENT_TYPE } from './asset-manifest/content-types.js';
export * from './db-impact/index.js';
