import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BuildError } from '../build/build-error.js';
import { formatElapsed } from '../build/elapsed.js';
import { assertSafeArgument, redactUrl, urlSecrets } from './git-url.js';
import { isFullCommitId, parseLsRemote, resolveRef, type RefTarget, type ResolvedRefKind } from './resolve-ref.js';
import { runGit, type GitRun, type GitSession } from './run-git.js';

export interface CloneOptions {
  /** Any URL git accepts: https://, ssh://, git@host:repo, file:// or a plain path. */
  url: string;
  /** A branch, a tag (annotated or lightweight), a full ref name, HEAD, or a full or abbreviated commit id. */
  ref: string;
  /** An empty or missing folder; it receives the files of the commit, without `.git`. */
  dest: string;
  /** The whole clone's time limit. Default 10 minutes. */
  timeoutMs?: number;
  /** Receives git's messages, with the URL's credentials redacted. */
  onOutput?: (chunk: string) => void;
}

export interface CloneResult {
  /** The 40-hex id of the commit checked out; for a tag, the commit it points at, not the tag object. */
  commit: string;
  /** The ref as it was asked for. */
  ref: string;
  resolvedRefKind: ResolvedRefKind;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * Puts the files of one commit of a repository into `dest` and says which commit it was. The
 * shallow path fetches a single commit: the remote's ref list says what the ref names, and only
 * that ref is fetched with depth 1. An abbreviated commit id cannot be fetched by name, so it
 * falls back to fetching every branch and tag and resolving the id locally. `.git` is removed
 * at the end: the recorded SHA is the provenance, and the artifact must not contain history.
 */
export async function cloneRepository(options: CloneOptions): Promise<CloneResult> {
  const { url, ref } = options;
  assertSafeArgument('url', url);
  assertSafeArgument('ref', ref);
  const dest = resolve(options.dest);
  await mkdir(dest, { recursive: true });
  if ((await readdir(dest)).length > 0) throw new Error(`cloneRepository: ${dest} is not empty.`);

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const home = await mkdtemp(join(tmpdir(), 'berth-git-home-'));
  const session: GitSession = { cwd: dest, home, deadline: performance.now() + timeoutMs, secrets: urlSecrets(url), ...(options.onOutput ? { onOutput: options.onOutput } : {}) };
  const fail = (problem: string, run?: GitRun): BuildError => {
    const why = run === undefined ? '' : run.timedOut ? ` The clone ran past its limit of ${formatElapsed(timeoutMs)}.` : gitSaid(run);
    return new BuildError('git', `Could not clone ${redactUrl(url)} at "${ref}": ${problem}.${why}`);
  };
  try {
    const must = async (problem: string, args: string[]): Promise<GitRun> => {
      const run = await runGit(session, args);
      if (run.code !== 0) throw fail(problem, run);
      return run;
    };
    await must('an empty repository could not be made', ['init', '-q']);
    await must('the remote could not be added', ['remote', 'add', '--', 'origin', url]);
    const advertised = parseLsRemote((await must('the repository could not be reached', ['ls-remote', '--', 'origin'])).stdout);
    const target = resolveRef(advertised, ref);
    if (target === null) throw fail(`it has no branch or tag named "${ref}", and that is not a commit id`);

    const commit = await fetchCommit(session, target, must);
    await must('the commit could not be checked out', ['checkout', '-q', '--detach', commit, '--']);
    await rm(join(dest, '.git'), { recursive: true, force: true });
    return { commit, ref, resolvedRefKind: target.kind };
  } catch (error) {
    // A half-made checkout must not be mistaken for a source by whoever looks at `dest` next.
    await clearFolder(dest);
    throw error;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

type Must = (what: string, args: string[]) => Promise<GitRun>;

async function fetchCommit(session: GitSession, target: RefTarget, must: Must): Promise<string> {
  if (target.kind !== 'commit') {
    await must(`${target.kind} ${target.refName} could not be fetched`, ['fetch', '-q', '--depth', '1', '--no-tags', '--', 'origin', target.refName]);
    return peelFetchHead(must);
  }
  // Most hosts serve a full commit id directly (protocol v2); others refuse, and the full fetch
  // below still finds it as long as a branch or tag reaches it.
  if (isFullCommitId(target.prefix)) {
    const shallow = await runGit(session, ['fetch', '-q', '--depth', '1', '--no-tags', '--', 'origin', target.prefix]);
    if (shallow.code === 0 && (await peelFetchHead(must)) === target.prefix) return target.prefix;
  }
  await must('its branches and tags could not be fetched', ['fetch', '-q', '--no-tags', '--', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']);
  const found = await must(`no commit reachable from its branches and tags starts with ${target.prefix}`, ['rev-parse', '--verify', '--end-of-options', `${target.prefix}^{commit}`]);
  return found.stdout.trim();
}

/** The commit FETCH_HEAD points at, through an annotated tag when that is what was fetched. */
async function peelFetchHead(must: Must): Promise<string> {
  const commit = (await must('the fetched ref does not point at a commit', ['rev-parse', '--verify', 'FETCH_HEAD^{commit}'])).stdout.trim();
  if (!isFullCommitId(commit)) throw new Error(`git rev-parse printed "${commit}" for FETCH_HEAD.`);
  return commit;
}

/** git's last few lines of stderr, already redacted, as the end of a failure message. */
function gitSaid(run: GitRun): string {
  const lines = run.stderrTail.filter((line) => line.trim() !== '').slice(-5);
  return lines.length === 0 ? ` git exited with code ${run.code ?? 'null'}.` : ` git said: ${lines.join(' | ')}`;
}

async function clearFolder(dir: string): Promise<void> {
  const children = await readdir(dir).catch(() => []);
  await Promise.all(children.map((child) => rm(join(dir, child), { recursive: true, force: true })));
}
