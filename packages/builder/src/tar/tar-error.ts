/**
 * A refusal from the tar code: an entry that is unsafe to pack or to extract (a symlink that leaves
 * the tree, a path with `..`, a device file) or an archive that is not well-formed tar. It names the
 * offending path so that a person can find the file. It is not a catalog error because the catalog
 * has no code for it yet; callers that answer over HTTP wrap it.
 */
export class TarError extends Error {
  /** The path inside the tree or the archive that was refused, when there is one. */
  readonly path: string | undefined;

  constructor(message: string, path?: string) {
    super(message);
    this.name = 'TarError';
    this.path = path;
  }
}
