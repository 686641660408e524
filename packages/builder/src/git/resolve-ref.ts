/** What kind of name a deploy's ref turned out to be. */
export type ResolvedRefKind = 'branch' | 'tag' | 'commit';

/** A ref as the remote advertises it, or a commit id to look for among the remote's objects. */
export type RefTarget =
  | { kind: 'branch' | 'tag'; /** The full ref name to fetch, e.g. refs/heads/main. */ refName: string }
  | { kind: 'commit'; /** Lowercase hex, 4 to 40 digits. */ prefix: string };

/**
 * Parses `git ls-remote` output ("<sha>\t<ref name>" per line) into the set of advertised ref
 * names. Peeled entries (`refs/tags/v1^{}`) only restate a tag, so they are dropped.
 */
export function parseLsRemote(output: string): Set<string> {
  const names = new Set<string>();
  for (const line of output.split('\n')) {
    const name = line.split('\t')[1];
    if (name !== undefined && name !== '' && !name.endsWith('^{}')) names.add(name);
  }
  return names;
}

/**
 * Decides what a ref names, in git's own order of precedence for a short name: a full ref name
 * (`refs/...`) or HEAD as given, then a tag, then a branch. So "v1" that is both a tag and a branch
 * means the tag, as it does for `git fetch` and `git rev-parse`. HEAD (the remote's default
 * branch) and refs outside refs/tags/ (refs/pull/1/head) count as branches: they move.
 *
 * A name the remote does not advertise is taken as a commit id when it looks like one; anything
 * else is unknown and returns null.
 */
export function resolveRef(advertised: ReadonlySet<string>, ref: string): RefTarget | null {
  if ((ref === 'HEAD' || ref.startsWith('refs/')) && advertised.has(ref)) {
    return { kind: ref.startsWith('refs/tags/') ? 'tag' : 'branch', refName: ref };
  }
  if (advertised.has(`refs/tags/${ref}`)) return { kind: 'tag', refName: `refs/tags/${ref}` };
  if (advertised.has(`refs/heads/${ref}`)) return { kind: 'branch', refName: `refs/heads/${ref}` };
  if (/^[0-9a-f]{4,40}$/i.test(ref)) return { kind: 'commit', prefix: ref.toLowerCase() };
  return null;
}

/** Whether a string is a full commit id as git prints it. */
export function isFullCommitId(value: string): boolean {
  return /^[0-9a-f]{40}$/.test(value);
}
