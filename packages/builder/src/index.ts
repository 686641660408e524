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

export { cloneRepository, type CloneOptions, type CloneResult } from './git/clone-repository.js';
export { redactUrl } from './git/git-url.js';
export type { ResolvedRefKind } from './git/resolve-ref.js';
export { runBuild, type RunBuildOptions, type BuildResult } from './build/run-build.js';
export { BuildError, isBuildError, type BuildFailureReason, type BuildRunSummary } from './build/build-error.js';
export { sandboxAvailable } from './build/sandbox.js';
export { OutputRedactor, REDACTED } from './build/output-redactor.js';
export { checkGeneratedCurrent, type GeneratedCheckOptions, type GeneratedCheckResult } from './checks/generated-current.js';
export { packageArtifact, type PackageOptions, type PackagedArtifact } from './package/package-artifact.js';
export { checkReproducible, type ReproducibleCheckOptions, type ReproducibleCheckResult } from './package/check-reproducible.js';
